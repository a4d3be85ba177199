// The OIDC Preview's input: a claims document typed as JSON. Text that is not a JSON object with a `sub`
// is named next to the textarea and never sent.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { Field } from '../../components/ui.tsx';
import { PreviewButton } from './preview-button.tsx';

export type Claims = { sub: string } & Record<string, unknown>;

/** The claims in `text`, or what is wrong with it in a sentence. */
export function readClaims(text: string): Claims | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `This is not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'The claims must be one JSON object, such as {"sub": "…", "groups": ["…"]}.';
  }
  const claims: Record<string, unknown> = { ...value };
  const sub = claims['sub'];
  if (typeof sub !== 'string' || sub === '') {
    return 'The claims need a "sub" (a non-empty string): the subject the account is bound to.';
  }
  return { ...claims, sub };
}

export function ClaimsForm(props: {
  initial: string;
  busy: boolean;
  /** The service's message for the claims, when it refused them (400). */
  refusedBecause: string | undefined;
  onPreview: (claims: Claims) => void;
}): JSX.Element {
  const [text, setText] = useState(props.initial);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const submit = (event: Event): void => {
    event.preventDefault();
    const claims = readClaims(text);
    if (typeof claims === 'string') {
      setProblem(claims);
      return;
    }
    setProblem(undefined);
    props.onPreview(claims);
  };
  return (
    <form onSubmit={submit} class="preview-form">
      <Field
        label="Claims (JSON)"
        hint="The ID token's claims with userinfo's merged in, as the identity provider would send them."
        error={problem ?? props.refusedBecause}
      >
        {(f) => (
          <textarea
            id={f.id}
            aria-describedby={f.describedBy}
            aria-invalid={f.invalid}
            rows={12}
            spellcheck={false}
            value={text}
            onInput={(event) => setText(event.currentTarget.value)}
          />
        )}
      </Field>
      <PreviewButton busy={props.busy} />
    </form>
  );
}
