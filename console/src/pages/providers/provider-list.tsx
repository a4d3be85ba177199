// The providers list: every OIDC and SAML provider, its state and its last sign-in (a refusal links to
// the activity of that provider), with the buttons to add one.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import {
  getOidcProviders,
  getSamlProviders,
  listActivity,
  type ActivityEntry,
} from '../../../../clients/typescript/index.ts';
import { call } from '../../api.ts';
import { Loading, ProblemBox } from '../../components/ui.tsx';
import { useConsole } from '../../context.ts';
import { href } from '../../route.ts';
import type { Protocol } from './field-table.ts';
import { PROTOCOL_LABEL } from './provider-form.tsx';

interface Row {
  protocol: Protocol;
  name: string;
  enabled: boolean;
}

async function loadRows(client: ReturnType<typeof useConsole>['client']): Promise<Row[]> {
  const [oidc, saml] = await Promise.all([
    call(getOidcProviders({ client })),
    call(getSamlProviders({ client })),
  ]);
  const rows = (protocol: Protocol, providers: Record<string, { enabled: boolean }>): Row[] =>
    Object.entries(providers).map(([name, p]) => ({ protocol, name, enabled: p.enabled }));
  return [...rows('oidc', oidc), ...rows('saml', saml)];
}

/** The newest attempt at a provider: its time and outcome; a refusal or failure links to the activity. */
function LastSignIn(props: { name: string }): JSX.Element {
  const { client } = useConsole();
  // undefined while loading; 'unavailable' when the activity log could not be read.
  const [entry, setEntry] = useState<ActivityEntry | null | undefined | 'unavailable'>(undefined);
  useEffect(() => {
    call(listActivity({ client, query: { provider: props.name, limit: 1 } }))
      .then((page) => setEntry(page.entries[0] ?? null))
      .catch(() => setEntry('unavailable'));
  }, [client, props.name]);
  if (entry === undefined) return <span class="hint">…</span>;
  if (entry === 'unavailable') return <span class="hint">could not be read</span>;
  if (entry === null) return <span class="hint">none yet</span>;
  const outcome = <span class={`outcome-${entry.outcome}`}>{entry.outcome}</span>;
  return (
    <span class="last-sign-in">
      <time dateTime={entry.time}>{new Date(entry.time).toLocaleString()}</time>{' '}
      {entry.outcome === 'success' ? (
        outcome
      ) : (
        <a href={href(['activity'], { provider: props.name })}>{outcome}</a>
      )}
    </span>
  );
}

function ProviderTable(props: { rows: Row[] }): JSX.Element {
  if (props.rows.length === 0) return <p>No provider yet: add one to let users sign in.</p>;
  return (
    <div class="table-wrap">
      <table class="table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Protocol</th>
            <th scope="col">State</th>
            <th scope="col">Last sign-in</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={`${r.protocol}/${r.name}`}>
              <td>
                <a href={href(['providers', r.protocol, r.name])}>{r.name}</a>
              </td>
              <td>{PROTOCOL_LABEL[r.protocol]}</td>
              <td>{r.enabled ? 'Enabled' : 'Disabled'}</td>
              <td>
                <LastSignIn name={r.name} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ProviderList(): JSX.Element {
  const { client } = useConsole();
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    loadRows(client).then(setRows).catch(setError);
  }, [client]);
  return (
    <section aria-labelledby="providers-title">
      <h1 id="providers-title">Providers</h1>
      <div class="button-row">
        <a class="button button-primary" href={href(['providers', 'new', 'oidc'])}>
          Add OIDC provider
        </a>
        <a class="button button-primary" href={href(['providers', 'new', 'saml'])}>
          Add SAML provider
        </a>
      </div>
      <ProblemBox error={error} />
      {rows === null ? error === null ? <Loading what="providers" /> : null : <ProviderTable rows={rows} />}
    </section>
  );
}
