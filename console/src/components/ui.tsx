// Small building blocks every page uses: labelled fields with their error, notices, buttons, a copyable
// value and the problem box. Each field's label is tied to its input, and errors are announced.
import type { ComponentChildren, JSX } from 'preact';
import { useId, useState } from 'preact/hooks';
import { ProblemError } from '../api.ts';

export function Notice(props: {
  kind: 'info' | 'ok' | 'warn' | 'error';
  children: ComponentChildren;
}): JSX.Element {
  return (
    <div class={`notice notice-${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </div>
  );
}

/** A failed call as the admin should read it: the service's detail, its code and request id. */
export function ProblemBox(props: { error: unknown }): JSX.Element | null {
  if (props.error === null || props.error === undefined) return null;
  if (!(props.error instanceof ProblemError)) {
    return (
      <Notice kind="error">
        {props.error instanceof Error ? props.error.message : 'Something went wrong.'}
      </Notice>
    );
  }
  const { problem } = props.error;
  return (
    <Notice kind="error">
      <p class="problem-detail">{problem.detail}</p>
      <p class="small">
        <code>{problem.code}</code>
        {problem.requestId === '' ? null : (
          <>
            {' '}
            · request <code>{problem.requestId}</code>
          </>
        )}
      </p>
    </Notice>
  );
}

interface FieldProps {
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  children: (input: { id: string; describedBy: string | undefined; invalid: boolean }) => ComponentChildren;
}

/** A label, the control (given the ids to wire), a hint and the field's error message. */
export function Field(props: FieldProps): JSX.Element {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [props.hint === undefined ? null : hintId, props.error === undefined ? null : errorId]
    .filter((x) => x !== null)
    .join(' ');
  return (
    <div class={`field${props.error === undefined ? '' : ' field-invalid'}`}>
      <label for={id}>{props.label}</label>
      {props.children({
        id,
        describedBy: describedBy === '' ? undefined : describedBy,
        invalid: props.error !== undefined,
      })}
      {props.hint === undefined ? null : (
        <p class="hint" id={hintId}>
          {props.hint}
        </p>
      )}
      {props.error === undefined ? null : (
        <p class="field-error" id={errorId} role="alert">
          {props.error}
        </p>
      )}
    </div>
  );
}

/** A value to register elsewhere (redirect URI, ACS URL), with a button that copies it. */
export function CopyValue(props: { label: string; value: string }): JSX.Element {
  const [copied, setCopied] = useState(false);
  const copy = (): void => {
    void navigator.clipboard
      ?.writeText(props.value)
      .then(() => setCopied(true))
      .catch(() => setCopied(false));
  };
  return (
    <div class="copy-value">
      <span class="copy-label">{props.label}</span>
      <code>{props.value}</code>
      <button type="button" class="button-small" onClick={copy} aria-label={`Copy ${props.label}`}>
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}

export function Loading(props: { what: string }): JSX.Element {
  return (
    <p class="loading" role="status">
      Loading {props.what}…
    </p>
  );
}
