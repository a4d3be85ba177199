// What every section of the account page needs: the client bound to the user's session, who they are, and
// how to say that the session is no longer valid (the page then asks them to sign in again).
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { ProblemError, type Client } from '../api.ts';

export interface AccountContext {
  client: Client;
  userId: string;
  /** The name jellyfin-web stored beside the session, when it did. */
  userName: string | null;
  /** The session was refused (401): the page shows the sign-in instead. */
  onExpired: () => void;
}

export const Account = createContext<AccountContext | null>(null);

export function useAccount(): AccountContext {
  const value = useContext(Account);
  if (value === null) throw new Error('useAccount() outside a signed-in account page');
  return value;
}

/** A failed call's error for the section to show, after sending a refused session to the sign-in. */
export function sectionError(error: unknown, account: AccountContext): unknown {
  if (error instanceof ProblemError && error.status === 401) account.onExpired();
  return error;
}
