// The provider operations the pages use, for either protocol: read one provider into a draft, save a
// draft with Add, delete. Only the generated client is used.
import {
  addOidcProvider,
  addSamlProvider,
  deleteOidcProvider,
  deleteSamlProvider,
  getOidcProviders,
  getSamlProviders,
  type ProviderSaved,
} from '../../../../clients/typescript/index.ts';
import { call, type Client } from '../../api.ts';
import { draftFromStored, inputFromDraft, tableFor, type Draft } from './draft.ts';
import type { Protocol } from './field-table.ts';
import { OIDC_FIELDS } from './oidc-fields.ts';
import { SAML_FIELDS } from './saml-fields.ts';

export interface StoredProvider {
  draft: Draft;
  /** Write-only fields that hold a value at the service (`Get` says whether, never what). */
  secretsSet: Record<string, boolean>;
}

/** The provider as stored, or null when there is none of that name. */
export async function loadProvider(
  client: Client,
  protocol: Protocol,
  name: string,
): Promise<StoredProvider | null> {
  const table = tableFor(protocol);
  if (protocol === 'oidc') {
    const config = (await call(getOidcProviders({ client })))[name];
    if (config === undefined) return null;
    return { draft: draftFromStored(table, config), secretsSet: { oidSecret: config.hasOidSecret } };
  }
  const config = (await call(getSamlProviders({ client })))[name];
  if (config === undefined) return null;
  return { draft: draftFromStored(table, config), secretsSet: { samlSpSigningKey: config.hasSpSigningKey } };
}

export function saveProvider(
  client: Client,
  protocol: Protocol,
  name: string,
  draft: Draft,
): Promise<ProviderSaved> {
  const path = { provider: name };
  return protocol === 'oidc'
    ? call(addOidcProvider({ client, path, body: inputFromDraft(OIDC_FIELDS, draft) }))
    : call(addSamlProvider({ client, path, body: inputFromDraft(SAML_FIELDS, draft) }));
}

export async function deleteProvider(client: Client, protocol: Protocol, name: string): Promise<void> {
  const path = { provider: name };
  await (protocol === 'oidc'
    ? call(deleteOidcProvider({ client, path }))
    : call(deleteSamlProvider({ client, path })));
}
