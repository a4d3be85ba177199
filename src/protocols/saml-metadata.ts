// The SP metadata document of one SAML provider (SAML Metadata §2.3.2, §2.4.4): entity id, the ACS endpoint
// on the HTTP-POST binding, the SingleLogoutService on the HTTP-Redirect binding (§2.2.2, Profiles §4.4),
// and the signing certificate when AuthnRequests are signed.

import type { Log } from '../sso/ports.js';
import type { ProviderRecord, SamlProviderSettings } from '../sso/provider-settings.js';
import { BINDING_POST, NAMEID_UNSPECIFIED, readSpKey } from './saml-request.js';

const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
import { NS, escapeXml } from './saml-xml.js';

export function buildMetadata(
  provider: ProviderRecord<SamlProviderSettings>,
  acsUrl: string,
  logger: Log,
  sloUrl?: string,
): string {
  const signs = provider.secrets.spSigningKey !== null && provider.secrets.spSigningKey.trim() !== '';
  const certificate = signs ? signingCertificate(provider, logger) : null;
  const keyDescriptor =
    certificate === null
      ? ''
      : `<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="${NS.dsig}"><ds:X509Data>` +
        `<ds:X509Certificate>${certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<md:EntityDescriptor xmlns:md="${NS.metadata}" entityID="${escapeXml(provider.settings.samlClientId)}">` +
    // WantAssertionsSigned asks for a signature on the Assertion itself, on top of what the profile requires
    // (Metadata §2.4.4). The verifier accepts a signature on the Response or on the Assertion, which is what
    // the POST binding requires (Profiles §4.1.3.5) and what IdPs such as Keycloak send by default (Response
    // only), so the metadata says "false": it states what the verifier requires, no more.
    `<md:SPSSODescriptor AuthnRequestsSigned="${signs}" WantAssertionsSigned="false"` +
    ` protocolSupportEnumeration="${NS.protocol}">` +
    keyDescriptor +
    // Metadata §2.4.2: SingleLogoutService comes before NameIDFormat; logout messages use Redirect only.
    (sloUrl === undefined
      ? ''
      : `<md:SingleLogoutService Binding="${BINDING_REDIRECT}" Location="${escapeXml(sloUrl)}"/>`) +
    `<md:NameIDFormat>${NAMEID_UNSPECIFIED}</md:NameIDFormat>` +
    `<md:AssertionConsumerService Binding="${BINDING_POST}" Location="${escapeXml(acsUrl)}" index="0" isDefault="true"/>` +
    `</md:SPSSODescriptor>` +
    `</md:EntityDescriptor>`
  );
}

/** The certificate bundled with the SP signing key; null (and logged) when there is none or it is unreadable. */
function signingCertificate(provider: ProviderRecord<SamlProviderSettings>, logger: Log): string | null {
  let certificate: string | null = null;
  try {
    certificate = readSpKey(provider)?.certificate ?? null;
  } catch (error) {
    logger.warn(
      { provider: provider.name, err: error },
      'SAML SP signing key unreadable; metadata has no KeyDescriptor',
    );
  }
  if (certificate === null) {
    logger.debug(
      { provider: provider.name },
      'SAML SP signing key has no matching certificate bundled; metadata has no KeyDescriptor',
    );
  }
  return certificate;
}
