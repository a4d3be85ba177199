// A list of strings (roles, scopes, tenant ids) edited as one entry per line.
import type { JSX } from 'preact';
import { Field } from '../../components/ui.tsx';

export function StringListField(props: {
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  value: string;
  onChange: (text: string) => void;
}): JSX.Element {
  return (
    <Field label={props.label} hint={props.hint} error={props.error}>
      {({ id, describedBy, invalid }) => (
        <textarea
          id={id}
          class="string-list"
          rows={3}
          spellcheck={false}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          value={props.value}
          onInput={(event) => props.onChange(event.currentTarget.value)}
        />
      )}
    </Field>
  );
}
