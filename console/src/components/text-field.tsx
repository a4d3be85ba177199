// A labelled one-line input (text, date-time, …) that reports its value as the admin types: the common
// case of `Field`, so forms do not wire the same attributes again and again.
import type { JSX, TargetedEvent } from 'preact';
import { Field } from './ui.tsx';

export function TextField(props: {
  label: string;
  hint?: string;
  type?: 'text' | 'datetime-local';
  value: string;
  onValue: (value: string) => void;
}): JSX.Element {
  return (
    <Field label={props.label} hint={props.hint}>
      {(f) => {
        const input = {
          id: f.id,
          'aria-describedby': f.describedBy,
          value: props.value,
          onInput: (event: TargetedEvent<HTMLInputElement>) => props.onValue(event.currentTarget.value),
        };
        // One element per type: preact's input attributes are a union keyed by `type`.
        return props.type === 'datetime-local' ? (
          <input {...input} type="datetime-local" />
        ) : (
          <input {...input} type="text" />
        );
      }}
    </Field>
  );
}
