// The folder-role mapping: rows of one role and the libraries it gives, added and removed by button.
import type { JSX } from 'preact';
import type { FolderRoleMapping, Library } from '../../../../clients/typescript/index.ts';
import { Field } from '../../components/ui.tsx';
import { LibraryPicker } from './library-picker.tsx';

function MappingRow(props: {
  index: number;
  mapping: FolderRoleMapping;
  libraries: Library[];
  onChange: (mapping: FolderRoleMapping) => void;
  onRemove: () => void;
}): JSX.Element {
  const label = `Role ${props.index + 1}`;
  return (
    <li class="mapping-row">
      <Field label={label}>
        {({ id }) => (
          <input
            id={id}
            value={props.mapping.role}
            onInput={(event) => props.onChange({ ...props.mapping, role: event.currentTarget.value })}
          />
        )}
      </Field>
      <LibraryPicker
        legend={`Libraries of role ${props.index + 1}`}
        libraries={props.libraries}
        selected={props.mapping.folders}
        onChange={(folders) => props.onChange({ ...props.mapping, folders })}
      />
      <button type="button" class="button-small" onClick={props.onRemove}>
        Remove role {props.index + 1}
      </button>
    </li>
  );
}

export function FolderRoleMappingField(props: {
  legend: string;
  hint?: string | undefined;
  error?: string | undefined;
  libraries: Library[];
  value: FolderRoleMapping[];
  onChange: (value: FolderRoleMapping[]) => void;
}): JSX.Element {
  const replace = (index: number, mapping: FolderRoleMapping): void =>
    props.onChange(props.value.map((m, i) => (i === index ? mapping : m)));
  return (
    <fieldset class={`folder-role-mapping${props.error === undefined ? '' : ' field-invalid'}`}>
      <legend>{props.legend}</legend>
      {props.hint === undefined ? null : <p class="hint">{props.hint}</p>}
      <ol class="mapping-rows">
        {props.value.map((mapping, index) => (
          <MappingRow
            key={index}
            index={index}
            mapping={mapping}
            libraries={props.libraries}
            onChange={(m) => replace(index, m)}
            onRemove={() => props.onChange(props.value.filter((_, i) => i !== index))}
          />
        ))}
      </ol>
      <button
        type="button"
        class="button-small"
        onClick={() => props.onChange([...props.value, { role: '', folders: [] }])}
      >
        Add a role
      </button>
      {props.error === undefined ? null : (
        <p class="field-error" role="alert">
          {props.error}
        </p>
      )}
    </fieldset>
  );
}
