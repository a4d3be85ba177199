// The account page's frame: finds the session this browser holds on this origin (jellyfin-web's, or the
// one the service's sign-in page stored), and shows either how to sign in or the three sections. A
// linking flow that came back here names the provider in `?linked=`, which is announced once and then
// removed from the address, so a reload does not announce it again.
import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { basePath, storedSession, storedUserName, type Credential } from '../session.ts';
import { AppPassword } from './app-password.tsx';
import { accountClient } from './client.ts';
import { Account, type AccountContext } from './context.ts';
import { Devices } from './devices.tsx';
import { Identities } from './identities.tsx';

type Session = Extract<Credential, { kind: 'session' }>;

/** The provider a linking flow just linked, taken out of the address bar. */
function takeLinkedProvider(): string | null {
  const url = new URL(location.href);
  const linked = url.searchParams.get('linked');
  if (linked === null) return null;
  url.searchParams.delete('linked');
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  return linked === '' ? null : linked;
}

function storedUserSession(): Session | null {
  const credential = storedSession();
  return credential?.kind === 'session' ? credential : null;
}

export function AccountApp(): JSX.Element {
  const [session, setSession] = useState<Session | null>(storedUserSession);
  const [expired, setExpired] = useState(false);
  const [linked] = useState(takeLinkedProvider);
  const context = useMemo<AccountContext | null>(
    () =>
      session === null
        ? null
        : {
            client: accountClient(session.token),
            userId: session.userId,
            userName: storedUserName(session),
            onExpired: () => {
              setExpired(true);
              setSession(null);
            },
          },
    [session],
  );
  return (
    <>
      <header class="topbar">
        <span class="brand">jellyfin-sso</span>
        <span class="page-name">Your account</span>
        {context === null || context.userName === null ? null : (
          <span class="who small">Signed in as {context.userName}</span>
        )}
      </header>
      <main class="content account-page">
        {context === null ? (
          <NotSignedIn expired={expired} />
        ) : (
          <Account.Provider value={context}>
            <h1>Your account</h1>
            <p class="intro">
              How you sign in to this server, the password for apps that need one, and where you are signed
              in.
            </p>
            <Identities linked={linked} />
            <AppPassword />
            <Devices />
          </Account.Provider>
        )}
      </main>
    </>
  );
}

function NotSignedIn(props: { expired: boolean }): JSX.Element {
  const here = location.origin + location.pathname;
  return (
    <section class="card not-signed-in" aria-labelledby="not-signed-in-title">
      <h1 id="not-signed-in-title">{props.expired ? 'Your session has ended' : 'You are not signed in'}</h1>
      <p role="status">
        {props.expired
          ? 'This browser’s sign-in is no longer valid, so your account cannot be shown.'
          : 'This page shows your own account, so you need to be signed in to this server in this browser.'}
      </p>
      <p>
        <a class="button button-primary" href={`${basePath()}/sso/`}>
          Sign in
        </a>
      </p>
      <p class="hint">
        After signing in, come back to this page: <code>{here}</code>
      </p>
    </section>
  );
}
