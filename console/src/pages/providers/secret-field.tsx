// A write-only field (client secret, SP signing key): the service never returns it, so a stored one shows
// as "set" with a button that reveals an empty input; untouched, the stored value is kept.
import type { JSX } from 'preact';
import { Field } from '../../components/ui.tsx';

export function SecretField(props: {
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  multiline: boolean;
  /** Whether the service holds a value. */
  isSet: boolean;
  /** null: not replaced (the stored value is kept). */
  value: string | null;
  onChange: (value: string | null) => void;
}): JSX.Element {
  const editing = props.value !== null || !props.isSet;
  return (
    <Field label={props.label} hint={props.hint} error={props.error}>
      {({ id, describedBy, invalid }) =>
        editing ? (
          <div class="secret-edit">
            {props.multiline ? (
              <textarea
                id={id}
                spellcheck={false}
                autoComplete="off"
                aria-describedby={describedBy}
                aria-invalid={invalid}
                value={props.value ?? ''}
                onInput={(event) => props.onChange(event.currentTarget.value)}
              />
            ) : (
              <input
                id={id}
                type="password"
                autoComplete="new-password"
                aria-describedby={describedBy}
                aria-invalid={invalid}
                value={props.value ?? ''}
                onInput={(event) => props.onChange(event.currentTarget.value)}
              />
            )}
            {props.isSet ? (
              <button type="button" class="button-small" onClick={() => props.onChange(null)}>
                Keep the stored {props.label.toLowerCase()}
              </button>
            ) : null}
          </div>
        ) : (
          <p class="secret-set" id={id}>
            <span class="status-pass">set</span>
            <span aria-hidden="true"> — </span>
            <button
              type="button"
              class="button-small"
              aria-label={`Replace ${props.label.toLowerCase()}`}
              onClick={() => props.onChange('')}
            >
              replace
            </button>
          </p>
        )
      }
    </Field>
  );
}
