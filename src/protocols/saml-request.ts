// The SAML AuthnRequest on the HTTP-Redirect binding (SAML Core §3.4.1, Bindings §3.4.4.1): the request XML,
// its DEFLATE + base64 encoding, and the optional redirect signature with the SP signing key.

import { randomBytes, sign, type KeyObject } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';

import { SsoError } from '../sso/errors.js';
import { SpKeyError, readSpSigningKey, type SpSigningKey } from './saml-sp-key.js';
import type { ProviderRecord, SamlProviderSettings } from '../sso/provider-settings.js';
import { NS, escapeXml } from './saml-xml.js';
import { ALG } from './saml-xmldsig.js';

export const NAMEID_UNSPECIFIED = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';
export const BINDING_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const BINDING_REDIRECT_RELAYSTATE_MAX = 80; // SAML Bindings §3.4.3: RelayState MUST NOT exceed 80 bytes.

type SamlProvider = ProviderRecord<SamlProviderSettings>;

/** The IdP URL that carries a new AuthnRequest, and the request's ID (the expected InResponseTo). */
export function buildRedirectRequest(
  provider: SamlProvider,
  input: { relayState: string; acsUrl: string },
  now: Date,
): { url: string; requestId: string } {
  const settings = provider.settings;
  const endpoint = settings.samlEndpoint.trim();
  if (Buffer.byteLength(input.relayState, 'utf8') > BINDING_REDIRECT_RELAYSTATE_MAX) {
    throw new SsoError('internal', 'The SAML RelayState is longer than 80 bytes.', { step: 'start' });
  }
  const requestId = newRequestId();
  const xml =
    `<samlp:AuthnRequest xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}"` +
    ` ID="${requestId}" Version="2.0" IssueInstant="${isoSeconds(now)}"` +
    ` Destination="${escapeXml(endpoint)}" AssertionConsumerServiceURL="${escapeXml(input.acsUrl)}"` +
    ` ProtocolBinding="${BINDING_POST}">` +
    `<saml:Issuer>${escapeXml(settings.samlClientId)}</saml:Issuer>` +
    `<samlp:NameIDPolicy Format="${NAMEID_UNSPECIFIED}" AllowCreate="true"/>` +
    `</samlp:AuthnRequest>`;
  // Bindings §3.4.4.1: DEFLATE (RFC 1951, no zlib header), base64, then URL-encoded.
  const samlRequest = deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64');
  let query = `SAMLRequest=${encodeURIComponent(samlRequest)}`;
  if (input.relayState !== '') query += `&RelayState=${encodeURIComponent(input.relayState)}`;

  const spKey = readSpKey(provider);
  if (spKey !== null) query = signRedirectQuery(query, spKey.key);
  return { url: `${endpoint}${endpoint.includes('?') ? '&' : '?'}${query}`, requestId };
}

export function newRequestId(): string {
  // SAML Core §1.3.4: IDs are xs:ID (an NCName, so not starting with a digit) with at least 128 bits of randomness.
  return `_${randomBytes(16).toString('hex')}`;
}

export function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** Bindings §3.4.4.1: signs the octets "SAMLRequest=…&RelayState=…&SigAlg=…" exactly as in the URL. */
export function signRedirectQuery(query: string, key: KeyObject): string {
  const { sigAlg, hash, dsaEncoding } = redirectSignature(key);
  const signed = `${query}&SigAlg=${encodeURIComponent(sigAlg)}`;
  const signature = sign(hash, Buffer.from(signed, 'utf8'), { key, ...(dsaEncoding ? { dsaEncoding } : {}) });
  return `${signed}&Signature=${encodeURIComponent(signature.toString('base64'))}`;
}

/** The SP signing key by the one reader Add also uses; unusable stored keys become a clear refusal. */
export function readSpKey(provider: SamlProvider): SpSigningKey | null {
  try {
    return readSpSigningKey(provider.secrets.spSigningKey);
  } catch (error) {
    if (!(error instanceof SpKeyError)) throw error;
    throw new SsoError(
      'provider_disabled',
      `The provider's SP signing key (samlSpSigningKey) ${error.message}; set a valid one with Add.`,
      { step: 'start', reason: 'provider_misconfigured', cause: error },
    );
  }
}

function redirectSignature(key: KeyObject): {
  sigAlg: string;
  hash: string;
  dsaEncoding?: 'ieee-p1363';
} {
  if (key.asymmetricKeyType === 'rsa') return { sigAlg: ALG.rsaSha256, hash: 'sha256' };
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'secp384r1') return { sigAlg: ALG.ecdsaSha384, hash: 'sha384', dsaEncoding: 'ieee-p1363' };
    if (curve === 'secp521r1') return { sigAlg: ALG.ecdsaSha512, hash: 'sha512', dsaEncoding: 'ieee-p1363' };
    return { sigAlg: ALG.ecdsaSha256, hash: 'sha256', dsaEncoding: 'ieee-p1363' };
  }
  throw new SsoError(
    'internal',
    `The SP signing key type "${key.asymmetricKeyType ?? '?'}" is not supported for SAML.`,
    { step: 'start' },
  );
}
