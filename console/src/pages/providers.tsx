// Providers: every OIDC and SAML provider with its enabled state.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getOidcProviders, getSamlProviders } from '../../../clients/typescript/index.ts';
import { call } from '../api.ts';
import { Loading, ProblemBox } from '../components/ui.tsx';
import { useConsole } from '../context.ts';
import type { Route } from '../route.ts';
import { PreviewPanel } from './provider-preview.tsx';
import { TestPanel } from './provider-test.tsx';

interface Row {
  protocol: 'OIDC' | 'SAML';
  name: string;
  enabled: boolean;
}

export function ProvidersPage(props: { route: Route }): JSX.Element {
  const [, protocol, name, panel] = props.route.segments;
  if ((protocol === 'oidc' || protocol === 'saml') && name !== undefined) {
    if (panel === 'test') return <TestPanel protocol={protocol} name={name} />;
    if (panel === 'preview') return <PreviewPanel protocol={protocol} name={name} />;
  }
  return <ProvidersList />;
}

function ProvidersList(): JSX.Element {
  const { client } = useConsole();
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    Promise.all([call(getOidcProviders({ client })), call(getSamlProviders({ client }))])
      .then(([oidc, saml]) =>
        setRows([
          ...Object.entries(oidc).map(([name, p]) => ({
            protocol: 'OIDC' as const,
            name,
            enabled: p.enabled,
          })),
          ...Object.entries(saml).map(([name, p]) => ({
            protocol: 'SAML' as const,
            name,
            enabled: p.enabled,
          })),
        ]),
      )
      .catch(setError);
  }, [client]);
  return (
    <section aria-labelledby="providers-title">
      <h1 id="providers-title">Providers</h1>
      <ProblemBox error={error} />
      {rows === null ? (
        error === null ? (
          <Loading what="providers" />
        ) : null
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Protocol</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.protocol}/${r.name}`}>
                <td>{r.name}</td>
                <td>{r.protocol}</td>
                <td>{r.enabled ? 'Enabled' : 'Disabled'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
