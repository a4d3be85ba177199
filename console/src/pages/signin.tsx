// The pages before the console: sign-in (an API key kept in this tab, or single sign-on into a Jellyfin
// session on this origin) and "administrators only" for a signed-in user who is not one.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getOidcProviderNames, getSamlProviderNames } from '../../../clients/typescript/index.ts';
import { call, clientFor } from '../api.ts';
import { Field, Notice } from '../components/ui.tsx';
import {
  basePath,
  rememberApiKey,
  storedSession,
  storedUserName,
  useStoredSessionAgain,
  type Credential,
} from '../session.ts';

interface SsoButton {
  label: string;
  url: string;
}

/** Every enabled provider's start URL (public names only; no credential needed). */
async function ssoButtons(): Promise<SsoButton[]> {
  const client = clientFor(null);
  const [oidc, saml] = await Promise.all([
    call(getOidcProviderNames({ client })).catch(() => []),
    call(getSamlProviderNames({ client })).catch(() => []),
  ]);
  const start = (mode: string, name: string): string =>
    `${basePath()}/sso/${mode}/start/${encodeURIComponent(name)}`;
  return [
    ...oidc.map((name) => ({ label: name, url: start('OID', name) })),
    ...saml.map((name) => ({ label: name, url: start('SAML', name) })),
  ];
}

export function SignIn(props: { message: string | null; onSignedIn: () => void }): JSX.Element {
  const [key, setKey] = useState('');
  const [buttons, setButtons] = useState<SsoButton[] | null>(null);
  const session = storedSession();
  useEffect(() => {
    void ssoButtons().then(setButtons);
  }, []);
  const submit = (event: Event): void => {
    event.preventDefault();
    if (key.trim() === '') return;
    rememberApiKey(key.trim());
    props.onSignedIn();
  };
  return (
    <main class="centered">
      <section class="card signin" aria-labelledby="signin-title">
        <h1 id="signin-title">jellyfin-sso admin</h1>
        {props.message === null ? null : <Notice kind="warn">{props.message}</Notice>}
        {session === null ? null : (
          <p>
            <button
              type="button"
              class="button-primary"
              onClick={() => {
                useStoredSessionAgain();
                props.onSignedIn();
              }}
            >
              Continue as {storedUserName(session) ?? 'the signed-in Jellyfin user'}
            </button>
          </p>
        )}
        <h2>Sign in as an administrator</h2>
        {buttons === null || buttons.length === 0 ? null : (
          <>
            <ul class="sso-buttons">
              {buttons.map((b) => (
                <li key={b.url}>
                  <a class="button" href={b.url}>
                    Sign in with {b.label}
                  </a>
                </li>
              ))}
            </ul>
            <p class="hint">
              After signing in, come back to this page: it uses the session your browser now holds.
            </p>
          </>
        )}
        <form onSubmit={submit} class="api-key-form">
          <Field label="API key" hint="Kept in this browser tab only, until you sign out or close the tab.">
            {({ id, describedBy }) => (
              <input
                id={id}
                name="apiKey"
                type="password"
                autoComplete="off"
                aria-describedby={describedBy}
                value={key}
                onInput={(e) => setKey(e.currentTarget.value)}
              />
            )}
          </Field>
          <button type="submit" class="button-primary">
            Use this key
          </button>
        </form>
      </section>
    </main>
  );
}

export function AdministratorsOnly(props: { credential: Credential; onSignOut: () => void }): JSX.Element {
  const name = storedUserName(props.credential);
  return (
    <main class="centered">
      <section class="card" aria-labelledby="admins-only-title">
        <h1 id="admins-only-title">Administrators only</h1>
        <p>
          {name === null ? 'You are signed in' : `You are signed in as ${name}`}, but only an administrator of
          this server can use the admin console.
        </p>
        <p>Ask an administrator, or sign in with an administrator's account or an API key.</p>
        <button type="button" class="button-primary" onClick={props.onSignOut}>
          Sign in differently
        </button>
      </section>
    </main>
  );
}
