// One field of the provider form, drawn by its kind: text, text area, select, number, checkbox, list,
// write-only secret, library picker or folder-role mapping.
import type { JSX } from 'preact';
import { Field, Notice, ProblemBox } from '../../components/ui.tsx';
import type { FormBindings } from './bindings.ts';
import { CheckboxField } from './checkbox-field.tsx';
import { idsIn, mappingsIn, textIn } from './draft.ts';
import type { FieldSpec } from './field-table.ts';
import { FolderRoleMappingField } from './folder-role-mapping.tsx';
import { LibraryPicker } from './library-picker.tsx';
import { SecretField } from './secret-field.tsx';
import { StringListField } from './string-list-field.tsx';

const SELECT_OPTIONS: Partial<Record<FieldSpec['kind'], [string, string][]>> = {
  tristate: [
    ['', 'Leave unchanged'],
    ['true', 'Allow'],
    ['false', 'Forbid'],
  ],
  scheme: [
    ['', 'As in SSO_PUBLIC_URL'],
    ['https', 'https'],
    ['http', 'http'],
  ],
};

/** A text input, text area, number or select, all bound to one text value of the draft. */
function TextControl(props: { name: string; spec: FieldSpec; form: FormBindings }): JSX.Element {
  const { name, spec, form } = props;
  const value = textIn(form.draft, name);
  const options = SELECT_OPTIONS[spec.kind];
  return (
    <Field label={spec.label} hint={spec.hint} error={form.errors[name]}>
      {({ id, describedBy, invalid }) => {
        const common = { id, name, 'aria-describedby': describedBy, 'aria-invalid': invalid };
        if (options !== undefined)
          return (
            <select {...common} value={value} onChange={(e) => form.set(name, e.currentTarget.value)}>
              {options.map(([v, label]) => (
                <option key={v} value={v}>
                  {label}
                </option>
              ))}
            </select>
          );
        if (spec.kind === 'multiline')
          return (
            <textarea
              {...common}
              spellcheck={false}
              value={value}
              onInput={(e) => form.set(name, e.currentTarget.value)}
            />
          );
        return (
          <input
            {...common}
            type="text"
            inputMode={spec.kind === 'port' ? 'numeric' : undefined}
            required={spec.required}
            value={value}
            onInput={(e) => form.set(name, e.currentTarget.value)}
          />
        );
      }}
    </Field>
  );
}

function LibraryControl(props: { name: string; spec: FieldSpec; form: FormBindings }): JSX.Element {
  const { name, spec, form } = props;
  if (form.libraries === null)
    return form.librariesError === null ? (
      <Notice kind="info">Loading the libraries…</Notice>
    ) : (
      <ProblemBox error={form.librariesError} />
    );
  const common = { hint: spec.hint, error: form.errors[name], libraries: form.libraries };
  return spec.kind === 'folders' ? (
    <LibraryPicker
      {...common}
      legend={spec.label}
      selected={idsIn(form.draft, name)}
      onChange={(ids) => form.set(name, ids)}
    />
  ) : (
    <FolderRoleMappingField
      {...common}
      legend={spec.label}
      value={mappingsIn(form.draft, name)}
      onChange={(rows) => form.set(name, rows)}
    />
  );
}

export function FieldControl(props: { name: string; spec: FieldSpec; form: FormBindings }): JSX.Element {
  const { name, spec, form } = props;
  const common = { label: spec.label, hint: spec.hint, error: form.errors[name] };
  switch (spec.kind) {
    case 'bool':
      return (
        <CheckboxField
          {...common}
          checked={form.draft[name] === true}
          onChange={(checked) => form.set(name, checked)}
        />
      );
    case 'list':
      return (
        <StringListField
          {...common}
          value={textIn(form.draft, name)}
          onChange={(text) => form.set(name, text)}
        />
      );
    case 'secret':
    case 'secret-multiline': {
      const value = form.draft[name];
      return (
        <SecretField
          {...common}
          multiline={spec.kind === 'secret-multiline'}
          isSet={form.secretsSet[name] === true}
          value={typeof value === 'string' || value === false ? value : null}
          onChange={(v) => form.set(name, v)}
        />
      );
    }
    case 'folders':
    case 'folder-roles':
      return <LibraryControl {...props} />;
    default:
      return <TextControl {...props} />;
  }
}
