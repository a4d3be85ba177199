// The SAML Preview's input: the assertion's NameID and its attributes, one row per attribute with its
// values one per line.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { TextField } from '../../components/text-field.tsx';
import { Field } from '../../components/ui.tsx';
import { PreviewButton } from './preview-button.tsx';
import type { AttributeRow } from './preview-example.ts';

export interface SamlAssertionValues {
  nameId: string;
  attributes: Record<string, string[]>;
}

/** The attributes of the rows: blank names left out, values trimmed, rows of the same name merged. */
export function attributesOf(rows: AttributeRow[]): Record<string, string[]> {
  const attributes: Record<string, string[]> = {};
  for (const row of rows) {
    const name = row.name.trim();
    if (name === '') continue;
    const values = row.values
      .split('\n')
      .map((value) => value.trim())
      .filter((value) => value !== '');
    attributes[name] = [...(attributes[name] ?? []), ...values];
  }
  return attributes;
}

function AttributeFields(props: {
  row: AttributeRow;
  number: number;
  onChange: (row: AttributeRow) => void;
  onRemove: () => void;
}): JSX.Element {
  const { row, number } = props;
  return (
    <div class="attribute-row">
      <TextField
        label={`Attribute ${number} name`}
        value={row.name}
        onValue={(name) => props.onChange({ ...row, name })}
      />
      <Field label={`Attribute ${number} values`} hint="One value per line.">
        {(f) => (
          <textarea
            id={f.id}
            aria-describedby={f.describedBy}
            rows={3}
            value={row.values}
            onInput={(event) => props.onChange({ ...row, values: event.currentTarget.value })}
          />
        )}
      </Field>
      <button type="button" class="button-small" onClick={props.onRemove}>
        Remove attribute {number}
      </button>
    </div>
  );
}

export function AttributesForm(props: {
  initial: AttributeRow[];
  busy: boolean;
  onPreview: (values: SamlAssertionValues) => void;
}): JSX.Element {
  const [nameId, setNameId] = useState('carol');
  const [rows, setRows] = useState(props.initial);
  const [nextKey, setNextKey] = useState(props.initial.length);
  const submit = (event: Event): void => {
    event.preventDefault();
    props.onPreview({ nameId, attributes: attributesOf(rows) });
  };
  const add = (): void => {
    setRows([...rows, { key: nextKey, name: '', values: '' }]);
    setNextKey(nextKey + 1);
  };
  return (
    <form onSubmit={submit} class="preview-form">
      <TextField
        label="NameID"
        hint="The subject the account is bound to."
        value={nameId}
        onValue={setNameId}
      />
      <fieldset>
        <legend>Attributes</legend>
        {rows.map((row, index) => (
          <AttributeFields
            key={row.key}
            row={row}
            number={index + 1}
            onChange={(changed) => setRows(rows.map((r) => (r.key === row.key ? changed : r)))}
            onRemove={() => setRows(rows.filter((r) => r.key !== row.key))}
          />
        ))}
        <button type="button" class="button-small" onClick={add}>
          Add an attribute
        </button>
      </fieldset>
      <PreviewButton busy={props.busy} />
    </form>
  );
}
