// The console's frame: finds a credential, checks that it is an administrator's (one elevated call), and
// shows the sign-in page, the "administrators only" page, or the pages behind the navigation.
import type { JSX } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { getOidcProviders } from '../../clients/typescript/index.ts';
import { call, clientFor, ProblemError } from './api.ts';
import { Console } from './context.ts';
import { Loading } from './components/ui.tsx';
import { AdministratorsOnly, SignIn } from './pages/signin.tsx';
import { Shell } from './shell.tsx';
import { currentCredential, forgetCredential, type Credential } from './session.ts';

type State =
  | { kind: 'checking' }
  | { kind: 'signed-out'; message: string | null }
  | { kind: 'not-admin'; credential: Credential }
  | { kind: 'ready'; credential: Credential };

/** Whether the credential may administer: 200 yes, 403 a user who is not an admin, 401 not valid at all. */
async function checkCredential(credential: Credential): Promise<State> {
  try {
    await call(getOidcProviders({ client: clientFor(credential) }));
    return { kind: 'ready', credential };
  } catch (error) {
    if (error instanceof ProblemError && error.status === 403) return { kind: 'not-admin', credential };
    if (error instanceof ProblemError && error.status === 401) {
      forgetCredential();
      const message =
        credential.kind === 'api-key'
          ? 'That API key was not accepted.'
          : 'Your Jellyfin session on this browser has expired. Sign in again.';
      return { kind: 'signed-out', message };
    }
    return { kind: 'signed-out', message: error instanceof Error ? error.message : String(error) };
  }
}

export function App(): JSX.Element {
  const [state, setState] = useState<State>({ kind: 'checking' });
  const refresh = useCallback(() => {
    const credential = currentCredential();
    if (credential === null) {
      setState((previous) =>
        previous.kind === 'signed-out' ? previous : { kind: 'signed-out', message: null },
      );
      return;
    }
    setState({ kind: 'checking' });
    void checkCredential(credential).then(setState);
  }, []);
  useEffect(refresh, [refresh]);
  const signOut = (): void => {
    forgetCredential();
    setState({ kind: 'signed-out', message: null });
  };

  switch (state.kind) {
    case 'checking':
      return (
        <main class="centered">
          <Loading what="the console" />
        </main>
      );
    case 'signed-out':
      return <SignIn message={state.message} onSignedIn={refresh} />;
    case 'not-admin':
      return <AdministratorsOnly credential={state.credential} onSignOut={signOut} />;
    case 'ready':
      return (
        <Console.Provider value={{ client: clientFor(state.credential), credential: state.credential }}>
          <Shell onSignOut={signOut} />
        </Console.Provider>
      );
  }
}
