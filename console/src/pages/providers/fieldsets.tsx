// The three parts of the provider form: Connection (with the name of a new provider and, for SAML, the
// metadata import), Roles and permissions, and Advanced. Each draws its fields from the protocol's table.
import type { ComponentChildren, JSX } from 'preact';
import type { SamlMetadataImport } from '../../../../clients/typescript/index.ts';
import { Field } from '../../components/ui.tsx';
import type { FormBindings } from './bindings.ts';
import type { Table } from './draft.ts';
import { FIELD_NAME, type FieldSpec, type Group, type Protocol } from './field-table.ts';
import { FieldControl } from './field-control.tsx';
import { MetadataImport } from './metadata-import.tsx';

/** A field that does nothing under the current choices is hidden, unless the service named it. */
function isShown(name: string, spec: FieldSpec, form: FormBindings): boolean {
  const when = spec.shownWhen;
  return when === undefined || (form.draft[when.key] === true) === when.is || form.errors[name] !== undefined;
}

function GroupFields(props: { table: Table; group: Group; form: FormBindings }): JSX.Element {
  return (
    <>
      {Object.entries(props.table)
        .filter(([name, spec]) => spec.group === props.group && isShown(name, spec, props.form))
        .map(([name, spec]) => (
          <FieldControl key={name} name={name} spec={spec} form={props.form} />
        ))}
    </>
  );
}

function Fieldset(props: { legend: string; children: ComponentChildren }): JSX.Element {
  return (
    <fieldset class="provider-fieldset">
      <legend>{props.legend}</legend>
      {props.children}
    </fieldset>
  );
}

/** The name of a new provider (it is part of every URL of the provider, so it is not edited later). */
function NameField(props: { name: string; onChange: (name: string) => void; error?: string }): JSX.Element {
  return (
    <Field
      label="Name"
      hint="Part of the provider's URLs (e.g. /sso/OID/start/<name>): 1 to 64 characters, no / \ ? # or %."
      error={props.error}
    >
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          name={FIELD_NAME}
          required
          autoComplete="off"
          aria-describedby={describedBy}
          aria-invalid={invalid}
          value={props.name}
          onInput={(event) => props.onChange(event.currentTarget.value)}
        />
      )}
    </Field>
  );
}

export function ConnectionFieldset(props: {
  protocol: Protocol;
  table: Table;
  form: FormBindings;
  /** For a new provider: its name, edited here. */
  newName: { value: string; onChange: (name: string) => void } | null;
}): JSX.Element {
  const { form } = props;
  const fill = (result: SamlMetadataImport): void => {
    form.set('samlEndpoint', result.samlEndpoint);
    form.set('samlCertificate', result.samlCertificate);
    form.set('samlIdpEntityId', result.entityId);
  };
  return (
    <Fieldset legend="Connection">
      {props.newName === null ? null : (
        <NameField
          name={props.newName.value}
          onChange={props.newName.onChange}
          {...(form.errors[FIELD_NAME] === undefined ? {} : { error: form.errors[FIELD_NAME] })}
        />
      )}
      {props.protocol === 'saml' ? <MetadataImport onImported={fill} /> : null}
      <GroupFields table={props.table} group="connection" form={form} />
    </Fieldset>
  );
}

export function RolesFieldset(props: { table: Table; form: FormBindings }): JSX.Element {
  return (
    <Fieldset legend="Roles and permissions">
      <GroupFields table={props.table} group="roles" form={props.form} />
    </Fieldset>
  );
}

export function AdvancedFieldset(props: { table: Table; form: FormBindings }): JSX.Element {
  return (
    <Fieldset legend="Advanced">
      <GroupFields table={props.table} group="advanced" form={props.form} />
    </Fieldset>
  );
}
