// What every page of a signed-in console needs: the generated client bound to the admin's credential.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Client } from './api.ts';
import type { Credential } from './session.ts';

export interface ConsoleContext {
  client: Client;
  credential: Credential;
}

export const Console = createContext<ConsoleContext | null>(null);

export function useConsole(): ConsoleContext {
  const value = useContext(Console);
  if (value === null) throw new Error('useConsole() outside a signed-in console');
  return value;
}
