// A labelled checkbox with its hint and the service's message for it.
import type { JSX } from 'preact';
import { useId } from 'preact/hooks';

export function CheckboxField(props: {
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  checked: boolean;
  onChange: (checked: boolean) => void;
}): JSX.Element {
  const id = useId();
  const described = [
    props.hint === undefined ? '' : `${id}-hint`,
    props.error === undefined ? '' : `${id}-error`,
  ]
    .filter((x) => x !== '')
    .join(' ');
  return (
    <div class={`field checkbox-field${props.error === undefined ? '' : ' field-invalid'}`}>
      <div class="checkbox">
        <input
          id={id}
          type="checkbox"
          checked={props.checked}
          aria-describedby={described === '' ? undefined : described}
          onChange={(event) => props.onChange(event.currentTarget.checked)}
        />
        <label for={id}>{props.label}</label>
      </div>
      {props.hint === undefined ? null : (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      )}
      {props.error === undefined ? null : (
        <p class="field-error" id={`${id}-error`} role="alert">
          {props.error}
        </p>
      )}
    </div>
  );
}
