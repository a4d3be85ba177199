// The account page's sections keep their state the way every part of the console does (see
// components/use-action-state.ts), with the account they act for; a failed call is shown after a refused
// session has sent the user to the sign-in.
import {
  useActionList,
  useActionState,
  type ActionList,
  type ActionState,
} from '../components/use-action-state.ts';
import { sectionError, useAccount, type AccountContext } from './context.ts';
import type { Status } from './parts.tsx';

export interface Section<C> extends ActionState<C, Status> {
  account: AccountContext;
}

export function useSection<C>(): Section<C> {
  const account = useAccount();
  const state = useActionState<C, Status>((failure) => sectionError(failure, account));
  return { ...state, account };
}

export type SectionList<T> = ActionList<T>;

/** The section's list, read when the section opens and again on `reread`; a failed read is the section's error. */
export function useSectionList<T>(
  section: Pick<Section<unknown>, 'account' | 'heading' | 'fail'>,
  read: () => Promise<T[]>,
): SectionList<T> {
  return useActionList(section, read, [section.account]);
}
