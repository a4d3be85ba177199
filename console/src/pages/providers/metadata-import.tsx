// "Import IdP metadata" on a SAML form: metadata XML or its https URL, read by the service
// (POST /sso/SAML/ImportMetadata), fills the SSO URL, the certificate and the IdP entity id.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { importSamlMetadata, type SamlMetadataImport } from '../../../../clients/typescript/index.ts';
import { call, ProblemError } from '../../api.ts';
import { Field, Notice, ProblemBox } from '../../components/ui.tsx';
import { useConsole } from '../../context.ts';

function sourceOf(text: string): { xml: string } | { url: string } {
  const trimmed = text.trim();
  return trimmed.startsWith('<') ? { xml: trimmed } : { url: trimmed };
}

export function MetadataImport(props: { onImported: (result: SamlMetadataImport) => void }): JSX.Element {
  const { client } = useConsole();
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [imported, setImported] = useState<SamlMetadataImport | null>(null);
  const run = (): void => {
    setError(null);
    setImported(null);
    call(importSamlMetadata({ client, body: sourceOf(text) }))
      .then((result) => {
        setImported(result);
        props.onImported(result);
      })
      .catch(setError);
  };
  const message =
    error instanceof ProblemError
      ? (error.problem.errors?.find((e) => e.field.startsWith('/body'))?.message ?? undefined)
      : undefined;
  return (
    <div class="metadata-import">
      <Field
        label="Import IdP metadata"
        hint="The IdP's metadata XML, or the https URL it is published at. Fills the SSO URL, the certificate and the IdP entity id."
        error={message}
      >
        {({ id, describedBy, invalid }) => (
          <textarea
            id={id}
            rows={3}
            spellcheck={false}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            value={text}
            onInput={(event) => setText(event.currentTarget.value)}
          />
        )}
      </Field>
      <button type="button" onClick={run} disabled={text.trim() === ''}>
        Import metadata
      </button>
      <ProblemBox error={error} />
      {imported === null ? null : (
        <Notice kind="ok">
          <p>
            Filled from the metadata of {imported.entityId}; the certificate is valid until{' '}
            {new Date(imported.certificateNotAfter).toLocaleDateString()}.
          </p>
          {imported.warnings.map((w) => (
            <p key={w}>{w}</p>
          ))}
        </Notice>
      )}
    </div>
  );
}
