// The state a part of a page keeps around its actions, the same way on the admin console and the account
// page: its last error and result, the confirmation it is asking for, whether an action is under way, its
// heading (where the focus goes when what had it is gone), and, for a part that shows a list, the list and
// its re-reads. How a failure becomes the error shown is the page's: it passes that mapping in.
import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

/** `C`: what the confirmation asks about; `S`: the result shown after an action. */
export interface ActionState<C, S> {
  error: unknown;
  setError: (error: unknown) => void;
  /** Shows a failed call as the error, through the page's mapping. */
  fail: (failure: unknown) => void;
  status: S | null;
  setStatus: (status: S | null) => void;
  /** What the confirmation asks about; null while none is open. */
  confirming: C | null;
  setConfirming: (confirming: C | null) => void;
  busy: boolean;
  heading: RefObject<HTMLHeadingElement | null>;
  /**
   * Runs an action: clears the last result, marks the part busy, shows a failure instead of throwing,
   * closes the confirmation, then calls `after` whether the action succeeded or not.
   */
  act: (action: () => Promise<void>, after?: () => void) => Promise<void>;
}

/** `mapError` turns a failure into what the page's error display takes (and may act on it, e.g. a 401). */
export function useActionState<C, S>(mapError: (failure: unknown) => unknown): ActionState<C, S> {
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<S | null>(null);
  const [confirming, setConfirming] = useState<C | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const fail = (failure: unknown): void => setError(mapError(failure));
  const act = async (action: () => Promise<void>, after?: () => void): Promise<void> => {
    setError(null);
    setStatus(null);
    setBusy(true);
    try {
      await action();
    } catch (failure) {
      fail(failure);
    }
    setBusy(false);
    setConfirming(null);
    after?.();
  };
  return { error, setError, fail, status, setStatus, confirming, setConfirming, busy, heading, act };
}

export interface ActionList<T> {
  /** null until the first read answers. */
  items: T[] | null;
  /** Reads the list again. */
  reread: () => void;
  /** The next read follows a removal: the button that asked is gone with its row, the focus goes to the heading. */
  removed: () => void;
}

/**
 * The part's list, read when it opens, again on `reread`, and again when one of `deps` changes; a failed
 * read is the part's error.
 */
export function useActionList<T>(
  state: Pick<ActionState<unknown, unknown>, 'heading' | 'fail'>,
  read: () => Promise<T[]>,
  deps: readonly unknown[],
): ActionList<T> {
  const { heading, fail } = state;
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
      .catch(fail);
    // `read` is the same request on every render; a new read is asked for through `reads` or `deps`.
  }, [...deps, reads]);
  return {
    items,
    reread: () => setReads((n) => n + 1),
    removed: () => {
      focusHeading.current = true;
    },
  };
}
