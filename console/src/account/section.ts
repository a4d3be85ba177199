// The state every section of the account page keeps the same way: its last error and status, the
// confirmation it is asking for, whether an action is under way, its heading (where the focus goes when
// what had it is gone), and, for a section that shows a list, the list and its re-reads.
import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { sectionError, useAccount, type AccountContext } from './context.ts';
import type { Status } from './parts.tsx';

export interface Section<C> {
  account: AccountContext;
  error: unknown;
  setError: (error: unknown) => void;
  status: Status | null;
  setStatus: (status: Status | null) => void;
  /** What the confirmation dialog asks about; null while none is open. */
  confirming: C | null;
  setConfirming: (confirming: C | null) => void;
  busy: boolean;
  heading: RefObject<HTMLHeadingElement | null>;
  /**
   * Runs an action: clears the last result, marks the section busy, shows a failure instead of throwing,
   * closes the confirmation, then calls `after` whether the action succeeded or not.
   */
  act: (action: () => Promise<void>, after?: () => void) => Promise<void>;
}

export function useSection<C>(): Section<C> {
  const account = useAccount();
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<Status | null>(null);
  const [confirming, setConfirming] = useState<C | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const act = async (action: () => Promise<void>, after?: () => void): Promise<void> => {
    setError(null);
    setStatus(null);
    setBusy(true);
    try {
      await action();
    } catch (failure) {
      setError(sectionError(failure, account));
    }
    setBusy(false);
    setConfirming(null);
    after?.();
  };
  return { account, error, setError, status, setStatus, confirming, setConfirming, busy, heading, act };
}

export interface SectionList<T> {
  /** null until the first read answers. */
  items: T[] | null;
  /** Reads the list again. */
  reread: () => void;
  /** The next read follows a removal: the button that asked is gone with its row, the focus goes to the heading. */
  removed: () => void;
}

/** The section's list, read when the section opens and again on `reread`; a failed read is the section's error. */
export function useSectionList<T>(
  section: Pick<Section<unknown>, 'account' | 'heading' | 'setError'>,
  read: () => Promise<T[]>,
): SectionList<T> {
  const { account, heading, setError } = section;
  const [items, setItems] = useState<T[] | null>(null);
  const [reads, setReads] = useState(0);
  const focusHeading = useRef(false);
  useEffect(() => {
    read()
      .then((got) => {
        setItems(got);
        if (focusHeading.current) heading.current?.focus();
        focusHeading.current = false;
      })
      .catch((failure: unknown) => setError(sectionError(failure, account)));
    // `read` is the same request on every render; a new read is asked for through `reads`.
  }, [account, reads]);
  return {
    items,
    reread: () => setReads((n) => n + 1),
    removed: () => {
      focusHeading.current = true;
    },
  };
}
