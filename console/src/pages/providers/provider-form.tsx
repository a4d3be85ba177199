// The add and edit page of a provider: its actions, the values to register at the IdP, and the form in
// three fieldsets; the service's refusal shows at the top and next to each field it names.
import type { JSX } from 'preact';
import { Loading, Notice, ProblemBox } from '../../components/ui.tsx';
import { href } from '../../route.ts';
import { tableFor } from './draft.ts';
import type { Protocol } from './field-table.ts';
import { AdvancedFieldset, ConnectionFieldset, RolesFieldset } from './fieldsets.tsx';
import { ProviderActions } from './provider-actions.tsx';
import { RegisterValues } from './register-values.tsx';
import { useProviderForm, type SaveNotice } from './use-provider-form.ts';

export const PROTOCOL_LABEL: Record<Protocol, string> = { oidc: 'OIDC', saml: 'SAML' };

function SavedNotice(props: { notice: SaveNotice | null }): JSX.Element | null {
  if (props.notice === null) return null;
  return (
    <Notice kind={props.notice.warnings.length === 0 ? 'ok' : 'warn'}>
      <p>{props.notice.message}</p>
      {props.notice.warnings.map((warning) => (
        <p key={warning}>{warning}</p>
      ))}
    </Notice>
  );
}

export function ProviderForm(props: { protocol: Protocol; name: string | null }): JSX.Element {
  const { protocol, name } = props;
  const state = useProviderForm(protocol, name);
  const table = tableFor(protocol);
  const label = PROTOCOL_LABEL[protocol];
  const title = name === null ? `Add ${label} provider` : `${label} provider ${name}`;
  const back = (
    <p class="back">
      <a href={href(['providers'])}>← Providers</a>
    </p>
  );
  if (state.missing)
    return (
      <section aria-labelledby="provider-title">
        {back}
        <h1 id="provider-title">{title}</h1>
        <Notice kind="error">
          There is no {label} provider named "{name}".
        </Notice>
      </section>
    );
  const { form } = state;
  return (
    <section aria-labelledby="provider-title" class="provider-page">
      {back}
      <h1 id="provider-title">{title}</h1>
      {name === null || state.stored === null ? null : (
        <ProviderActions
          protocol={protocol}
          name={name}
          enabled={state.stored.draft['enabled'] === true}
          onToggle={state.toggle}
        />
      )}
      <SavedNotice notice={state.notice} />
      <ProblemBox error={state.problem} />
      {form === null ? (
        <Loading what="the provider" />
      ) : (
        <>
          <RegisterValues
            protocol={protocol}
            name={name ?? state.newName}
            draft={form.draft}
            saved={name !== null}
          />
          <form
            class="provider-form"
            noValidate
            onSubmit={(event) => {
              event.preventDefault();
              state.save();
            }}
          >
            <ConnectionFieldset
              protocol={protocol}
              table={table}
              form={form}
              newName={name === null ? { value: state.newName, onChange: state.setNewName } : null}
            />
            <RolesFieldset table={table} form={form} />
            <AdvancedFieldset table={table} form={form} />
            <div class="button-row">
              <button type="submit" class="button-primary" disabled={state.busy}>
                {name === null ? 'Add provider' : 'Save'}
              </button>
            </div>
          </form>
        </>
      )}
    </section>
  );
}
