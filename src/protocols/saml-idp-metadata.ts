// Reading an IdP's SAML 2.0 metadata (SAML Metadata §2.3–2.4): its entityID, the SingleSignOnService (and
// SingleLogoutService, when there is one) of the HTTP-Redirect binding and its signing certificate, with the
// same hardened parser as SAML responses.
import { X509Certificate } from 'node:crypto';

import { invalidField } from '../sso/errors.js';
import type { SamlMetadataImport, SamlMetadataReader } from '../sso/saml-metadata-import.js';
import { fetchMetadataText, type MetadataFetchOptions } from './saml-metadata-fetch.js';
import {
  NS,
  SamlCheckError,
  attr,
  children,
  descendantElements,
  is,
  parseStrict,
  refuseMarkupDeclarations,
  textContent,
  type XmlElement,
} from './saml-xml.js';

export const METADATA_MAX_BYTES = 1024 * 1024;

const BINDING = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
} as const;

/**
 * What IdP metadata says, ready for SAML/Add. `field` names the request field the document came from, so
 * every refusal is a 400 naming it.
 */
export function readIdpMetadata(xml: string, field: 'xml' | 'url'): SamlMetadataImport {
  if (Buffer.byteLength(xml, 'utf8') > METADATA_MAX_BYTES) {
    throw invalidField(field, `the metadata is larger than ${METADATA_MAX_BYTES} bytes`);
  }
  const warnings: string[] = [];
  const entity = idpEntity(parse(xml, field), field, warnings);
  const entityId = attr(entity, 'entityID');
  if (!entityId) throw invalidField(field, 'the EntityDescriptor has no entityID');
  const idp = children(entity, NS.metadata, 'IDPSSODescriptor')[0];
  if (!idp)
    throw invalidField(field, 'the EntityDescriptor has no IDPSSODescriptor: this is not IdP metadata');
  const certificate = signingCertificate(idp, field, warnings);
  return {
    entityId,
    samlEndpoint: redirectEndpoint(idp, field),
    samlSloEndpoint: redirectLogoutEndpoint(idp),
    samlCertificate: certificate.raw.toString('base64'),
    certificateNotAfter: new Date(certificate.validTo),
    warnings,
  };
}

function parse(xml: string, field: 'xml' | 'url'): XmlElement {
  try {
    refuseMarkupDeclarations(xml);
    const root = parseStrict(xml).documentElement;
    if (root) return root;
  } catch (error) {
    if (!(error instanceof SamlCheckError)) throw error;
    const reason =
      error.rule === 'saml.dtd'
        ? 'the metadata contains a DOCTYPE or entity declaration, which is not allowed'
        : 'the metadata is not well-formed XML';
    throw invalidField(field, reason);
  }
  throw invalidField(field, 'the metadata is not well-formed XML');
}

/** The EntityDescriptor, or the first one with an IDPSSODescriptor inside an EntitiesDescriptor. */
function idpEntity(root: XmlElement, field: 'xml' | 'url', warnings: string[]): XmlElement {
  if (is(root, NS.metadata, 'EntityDescriptor')) return root;
  if (!is(root, NS.metadata, 'EntitiesDescriptor')) {
    throw invalidField(field, `the document is a ${root.nodeName}, not SAML metadata (EntityDescriptor)`);
  }
  const idps = descendantElements(root).filter(
    (element) =>
      is(element, NS.metadata, 'EntityDescriptor') &&
      children(element, NS.metadata, 'IDPSSODescriptor').length > 0,
  );
  const first = idps[0];
  if (!first) throw invalidField(field, 'the EntitiesDescriptor holds no IdP (no IDPSSODescriptor)');
  if (idps.length > 1) {
    warnings.push(
      `The metadata describes ${idps.length} identity providers; the first, ${attr(first, 'entityID') ?? '(no entityID)'}, is used.`,
    );
  }
  return first;
}

/** The SSO URL the service can send its AuthnRequest to: it sends them by redirect only. */
function redirectEndpoint(idp: XmlElement, field: 'xml' | 'url'): string {
  const services = children(idp, NS.metadata, 'SingleSignOnService');
  const redirect = services.find((service) => attr(service, 'Binding') === BINDING.redirect);
  const location = redirect ? attr(redirect, 'Location') : null;
  if (location) return location;
  const post = services.some((service) => attr(service, 'Binding') === BINDING.post);
  throw invalidField(
    field,
    post
      ? 'the IdP offers its SingleSignOnService only with the HTTP-POST binding; the service sends AuthnRequests with HTTP-Redirect, which is missing'
      : 'the IDPSSODescriptor has no SingleSignOnService with the HTTP-Redirect binding and a Location',
  );
}

/** SAML Metadata §2.2.2: the IdP's SingleLogoutService on the Redirect binding (logout messages go by redirect). */
function redirectLogoutEndpoint(idp: XmlElement): string | null {
  const services = children(idp, NS.metadata, 'SingleLogoutService');
  const redirect = services.find((service) => attr(service, 'Binding') === BINDING.redirect);
  return (redirect === undefined ? null : attr(redirect, 'Location')) || null;
}

/** The first KeyDescriptor for signing (use="signing" or no use) with an X.509 certificate. */
function signingCertificate(idp: XmlElement, field: 'xml' | 'url', warnings: string[]): X509Certificate {
  const encoded = children(idp, NS.metadata, 'KeyDescriptor')
    .filter((key) => {
      const use = attr(key, 'use');
      return use === null || use === 'signing';
    })
    .flatMap((key) => descendantElements(key).filter((el) => is(el, NS.dsig, 'X509Certificate')))
    .map((element) => textContent(element).replace(/\s+/g, ''));
  const first = encoded[0];
  if (first === undefined) {
    throw invalidField(
      field,
      'the IDPSSODescriptor has no signing certificate (KeyDescriptor with X509Certificate)',
    );
  }
  if (new Set(encoded).size > 1) {
    warnings.push(
      `The metadata lists ${new Set(encoded).size} signing certificates; the first is used. Import again after the IdP's key rollover.`,
    );
  }
  try {
    return new X509Certificate(Buffer.from(first, 'base64'));
  } catch {
    throw invalidField(field, 'the signing certificate is not a valid X.509 certificate');
  }
}

/** The SamlMetadataReader port: the document given, or fetched from its URL under the fetch's rules. */
export function createSamlMetadataReader(
  fetchOptions: Omit<MetadataFetchOptions, 'maxBytes'>,
): SamlMetadataReader {
  return {
    async read(source) {
      if ('xml' in source) return readIdpMetadata(source.xml, 'xml');
      const text = await fetchMetadataText(source.url, { ...fetchOptions, maxBytes: METADATA_MAX_BYTES });
      return readIdpMetadata(text, 'url');
    },
  };
}
