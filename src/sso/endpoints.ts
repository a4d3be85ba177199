// The service's own URLs an IdP sends its answer to: the OIDC redirect URI and the SAML ACS URL, built from
// the public URL (never from request headers), with the provider's scheme and port overrides.
import type { ProviderRecord } from './provider-settings.js';

/** `publicUrl + path`, with the provider's `schemeOverride` / `portOverride` applied. */
export function endpointUrl(
  publicUrl: string,
  path: string,
  settings: { schemeOverride: string | null; portOverride: number | null },
): string {
  const url = new URL(publicUrl + path);
  if (settings.schemeOverride === 'http' || settings.schemeOverride === 'https') {
    url.protocol = `${settings.schemeOverride}:`;
  }
  if (settings.portOverride !== null) url.port = String(settings.portOverride);
  return url.toString();
}

export function redirectUri(publicUrl: string, provider: ProviderRecord): string {
  return endpointUrl(publicUrl, `/sso/OID/redirect/${encodeURIComponent(provider.name)}`, provider.settings);
}

export function acsUrl(publicUrl: string, provider: ProviderRecord): string {
  return endpointUrl(publicUrl, `/sso/SAML/post/${encodeURIComponent(provider.name)}`, provider.settings);
}

/** Where an IdP may import the SP metadata of a SAML provider from. */
export function samlMetadataUrl(publicUrl: string, provider: ProviderRecord): string {
  return endpointUrl(publicUrl, `/sso/SAML/metadata/${encodeURIComponent(provider.name)}`, provider.settings);
}

/** The SP's SingleLogoutService (SAML Metadata §2.2.2): where the IdP sends logout requests and responses. */
export function samlSloUrl(publicUrl: string, provider: ProviderRecord): string {
  return endpointUrl(publicUrl, `/sso/SAML/SLO/${encodeURIComponent(provider.name)}`, provider.settings);
}
