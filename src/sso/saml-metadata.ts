// The SP metadata of a stored SAML provider (SAML 2.0 Metadata §2.4.4): the document an IdP imports to
// learn this service's entity id and its Assertion Consumer Service URL.
import { acsUrl } from './login.js';
import type { ProviderStore, SamlProtocol } from './ports.js';
import { providerNotFound } from './provider-admin.js';
import type { ProviderRecord, SamlProviderSettings } from './provider-settings.js';

/** The metadata XML of the SAML provider `name`; `provider_not_found` when there is none. */
export type SamlMetadata = (name: string) => Promise<string>;

export function createSamlMetadata(deps: {
  providers: ProviderStore;
  saml: SamlProtocol;
  publicUrl: string;
}): SamlMetadata {
  return async (name) => {
    const provider = await deps.providers.get('saml', name);
    if (provider === null) throw providerNotFound('saml', name);
    // The store was asked for a SAML provider, but ProviderRecord does not yet tie its settings type to
    // its protocol, so the type system cannot know these are SAML settings.
    const samlProvider = provider as ProviderRecord<SamlProviderSettings>;
    return deps.saml.metadata(samlProvider, { acsUrl: acsUrl(deps.publicUrl, samlProvider) });
  };
}
