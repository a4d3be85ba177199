// Preview panel of one provider: the decision a sign-in with the given claims (OIDC) or NameID and
// attributes (SAML) would get, asked of POST /sso/{OID,SAML}/Preview/{provider}, which decides as a real
// sign-in does without touching any account.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import {
  listLibraries,
  previewOidcSignIn,
  previewSamlSignIn,
  type SignInPreview,
} from '../../../clients/typescript/index.ts';
import { call, ProblemError, type Client } from '../api.ts';
import { Loading, ProblemBox } from '../components/ui.tsx';
import { useConsole } from '../context.ts';
import { AttributesForm, type SamlAssertionValues } from './diagnostics/attributes-form.tsx';
import { ClaimsForm, type Claims } from './diagnostics/claims-form.tsx';
import { PanelHeader, type PanelProtocol } from './diagnostics/panel-header.tsx';
import { libraryKey, PreviewDecision, type LibraryNames } from './diagnostics/preview-decision.tsx';
import {
  exampleAttributes,
  exampleClaims,
  loadExample,
  type PreviewExample,
} from './diagnostics/preview-example.ts';
import { useRun } from './diagnostics/use-run.ts';
import './diagnostics/diagnostics.css';

/** Library names for the folders of a decision; none when they cannot be read (ids are shown then). */
async function loadLibraryNames(client: Client): Promise<LibraryNames> {
  try {
    const libraries = await call(listLibraries({ client }));
    return new Map(libraries.map((library) => [libraryKey(library.Id), library.Name]));
  } catch {
    return new Map();
  }
}

export function PreviewPanel(props: { protocol: PanelProtocol; name: string }): JSX.Element {
  const { protocol, name } = props;
  const { client } = useConsole();
  const [example, setExample] = useState<PreviewExample | null>(null);
  const [libraries, setLibraries] = useState<LibraryNames>(new Map());
  const [answer, ask] = useRun<SignInPreview>();
  useEffect(() => {
    void loadExample(client, protocol, name).then(setExample);
    void loadLibraryNames(client).then(setLibraries);
  }, [client, protocol, name]);

  const previewClaims = (claims: Claims): void =>
    ask(call(previewOidcSignIn({ client, path: { provider: name }, body: { claims } })));
  const previewAttributes = (values: SamlAssertionValues): void =>
    ask(call(previewSamlSignIn({ client, path: { provider: name }, body: values })));
  const busy = answer.state === 'running';
  const refusedClaims =
    answer.state === 'error' && answer.error instanceof ProblemError
      ? answer.error.problem.errors?.find((e) => e.field.startsWith('/body/claims'))?.message
      : undefined;

  return (
    <section aria-labelledby="preview-title" class="diagnostics">
      <PanelHeader panel="preview" protocol={protocol} name={name} titleId="preview-title" />
      <p class="panel-intro">
        {protocol === 'oidc'
          ? 'Type the claims a user would arrive with'
          : 'Type the NameID and attributes a user would arrive with'}
        : the service decides as it would at a real sign-in, without creating or changing any account.
      </p>
      {example === null ? <Loading what="the provider" /> : null}
      {example !== null && protocol === 'oidc' ? (
        <ClaimsForm
          initial={exampleClaims(example)}
          busy={busy}
          refusedBecause={refusedClaims}
          onPreview={previewClaims}
        />
      ) : null}
      {example !== null && protocol === 'saml' ? (
        <AttributesForm initial={exampleAttributes(example)} busy={busy} onPreview={previewAttributes} />
      ) : null}
      {busy ? <Loading what="the decision" /> : null}
      {answer.state === 'error' ? <ProblemBox error={answer.error} /> : null}
      {answer.state === 'done' ? <PreviewDecision preview={answer.value} libraries={libraries} /> : null}
    </section>
  );
}
