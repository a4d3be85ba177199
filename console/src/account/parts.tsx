// The account page's own building blocks: a status line that screen readers announce when it changes, what
// a section says above its content, the confirmation dialog every destructive action goes through, and how
// a moment is written.
import type { ComponentChildren, JSX, RefObject } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { Loading, ProblemBox } from '../components/ui.tsx';

/** A moment in the reader's own language and time zone, to the minute ("3 Dec 2026, 17:11"). */
export function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export interface Status {
  kind: 'ok' | 'info';
  text: string;
}

/**
 * A live region that is always in the page (a region added together with its text is often not read),
 * holding the section's latest result.
 */
export function LiveStatus(props: { status: Status | null }): JSX.Element {
  return (
    <div class="live-status" role="status" aria-live="polite">
      {props.status === null ? null : <p class={`notice notice-${props.status.kind}`}>{props.status.text}</p>}
    </div>
  );
}

/**
 * What a section says above its content: its latest result, its failure, and "Loading <loading>…" while its
 * first read is out (`loading` null once it answered; not shown after a failure, which says enough).
 */
export function SectionOutcome(props: {
  status: Status | null;
  error: unknown;
  loading: string | null;
}): JSX.Element {
  return (
    <>
      <LiveStatus status={props.status} />
      <ProblemBox error={props.error} />
      {props.loading === null || props.error !== null ? null : <Loading what={props.loading} />}
    </>
  );
}

/**
 * A modal confirmation (the browser's own `<dialog>`: the rest of the page is inert and Escape cancels).
 * The focus starts on Cancel, the harmless choice; when the dialog goes, it returns to the button that
 * opened it, or to `fallback` when that button is gone (the row it acted on was removed).
 */
export function ConfirmDialog(props: {
  title: string;
  children: ComponentChildren;
  /** The confirming button's name (`Unlink`, `Revoke`, `Sign out`). */
  confirm: string;
  busy: boolean;
  fallback: RefObject<HTMLElement | null>;
  onConfirm: () => void;
  onCancel: () => void;
}): JSX.Element {
  const id = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const box = dialog.current;
    if (box !== null && !box.open) box.showModal();
    cancel.current?.focus();
    const fallback = props.fallback;
    return () => {
      if (opener?.isConnected === true) opener.focus();
      else fallback.current?.focus();
    };
  }, [props.fallback]);
  return (
    <dialog
      ref={dialog}
      class="confirm-dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-text`}
      onCancel={(event) => {
        event.preventDefault();
        props.onCancel();
      }}
      onClose={props.onCancel}
    >
      <h3 id={`${id}-title`}>{props.title}</h3>
      <div id={`${id}-text`}>{props.children}</div>
      <div class="button-row">
        <button type="button" class="button-danger" disabled={props.busy} onClick={props.onConfirm}>
          {props.confirm}
        </button>
        <button type="button" ref={cancel} onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
