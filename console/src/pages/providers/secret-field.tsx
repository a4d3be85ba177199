// A write-only field (client secret, SP signing key): the service never returns it, so a stored one shows
// as "set" with a button that reveals an empty input; untouched, the stored value is kept. "remove" clears
// it (Add with an empty string).
import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { Field } from '../../components/ui.tsx';

/** null: not replaced (the stored value is kept); false: removed on save; text: the new value. */
type SecretValue = string | null | false;

interface SecretFieldProps {
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  multiline: boolean;
  /** Whether the service holds a value. */
  isSet: boolean;
  value: SecretValue;
  onChange: (value: SecretValue) => void;
}

/** The stored value, not shown: "set — replace / remove", or "removed when you save — keep". */
function StoredSecret(props: SecretFieldProps & { id: string }): JSX.Element {
  const what = props.label.toLowerCase();
  const small = (label: string, text: string, value: SecretValue): JSX.Element => (
    <button type="button" class="button-small" aria-label={label} onClick={() => props.onChange(value)}>
      {text}
    </button>
  );
  return props.value === false ? (
    <p class="secret-set" id={props.id}>
      <span class="status-warn">removed when you save</span>
      <span aria-hidden="true"> — </span>
      {small(`Keep the stored ${what}`, 'keep', null)}
    </p>
  ) : (
    <p class="secret-set" id={props.id}>
      <span class="status-pass">set</span>
      <span aria-hidden="true"> — </span>
      {small(`Replace ${what}`, 'replace', '')}
      {small(`Remove ${what}`, 'remove', false)}
    </p>
  );
}

function NewSecret(
  props: SecretFieldProps & { id: string; describedBy: string | undefined; invalid: boolean },
): JSX.Element {
  const control = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  // Revealed by "replace": the keyboard goes on to the new input.
  useEffect(() => {
    if (props.isSet) control.current?.focus();
  }, [props.isSet]);
  const common = {
    ref: control,
    id: props.id,
    autoComplete: 'off',
    'aria-describedby': props.describedBy,
    'aria-invalid': props.invalid,
    value: typeof props.value === 'string' ? props.value : '',
  };
  return (
    <div class="secret-edit">
      {props.multiline ? (
        <textarea {...common} spellcheck={false} onInput={(e) => props.onChange(e.currentTarget.value)} />
      ) : (
        <input
          {...common}
          type="password"
          autoComplete="new-password"
          onInput={(e) => props.onChange(e.currentTarget.value)}
        />
      )}
      {props.isSet ? (
        <button type="button" class="button-small" onClick={() => props.onChange(null)}>
          Keep the stored {props.label.toLowerCase()}
        </button>
      ) : null}
    </div>
  );
}

export function SecretField(props: SecretFieldProps): JSX.Element {
  const editing = typeof props.value === 'string' || !props.isSet;
  return (
    <Field label={props.label} hint={props.hint} error={props.error}>
      {(input) => (editing ? <NewSecret {...props} {...input} /> : <StoredSecret {...props} id={input.id} />)}
    </Field>
  );
}
