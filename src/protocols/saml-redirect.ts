// The HTTP-Redirect binding as a receiver (SAML Bindings §3.4.4): a SAMLRequest or SAMLResponse inflated
// (DEFLATE, RFC 1951) under a size bound, and the query-string signature (`SigAlg`, `Signature`) verified
// over the octets exactly as they were received (§3.4.4.1), against the IdP's certificate only.
import { constants, verify, type KeyObject } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';

import { SamlCheckError, refuseMarkupDeclarations, shown } from './saml-xml.js';
import { ALG } from './saml-xmldsig.js';

/** A message received on the Redirect binding, with the raw query string that carried it. */
export interface RedirectMessage {
  param: 'SAMLRequest' | 'SAMLResponse';
  /** The decoded parameter value (base64 of the deflated XML). */
  value: string;
  relayState: string | undefined;
  sigAlg: string | undefined;
  signature: string | undefined;
  /** The query string as sent (without `?`); the signed octets are cut from it. */
  queryString: string | undefined;
}

/** Logout messages are small; a bound on the inflated size stops a DEFLATE bomb. */
const MAX_INFLATED_BYTES = 64 * 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Query-string signature algorithms accepted: RSA and ECDSA with SHA-256 or stronger (no SHA-1). */
const SIG_ALGS: Readonly<Record<string, { hash: string; ec: boolean }>> = {
  [ALG.rsaSha256]: { hash: 'sha256', ec: false },
  [ALG.rsaSha384]: { hash: 'sha384', ec: false },
  [ALG.rsaSha512]: { hash: 'sha512', ec: false },
  [ALG.ecdsaSha256]: { hash: 'sha256', ec: true },
  [ALG.ecdsaSha384]: { hash: 'sha384', ec: true },
  [ALG.ecdsaSha512]: { hash: 'sha512', ec: true },
};

/** Bindings §3.4.4.1: base64, then DEFLATE without zlib header, then UTF-8; no DTD (as every SAML message). */
export function inflateMessage(value: string): string {
  const compact = value.replace(/[\r\n\t ]+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new SamlCheckError('saml.encoding', 'The SAML message is not valid base64.');
  }
  let bytes: Buffer;
  try {
    bytes = inflateRawSync(Buffer.from(compact, 'base64'), { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (cause) {
    const tooLarge = cause instanceof RangeError || /buffer|length/i.test(String(cause));
    throw tooLarge
      ? new SamlCheckError('saml.too_large', `The SAML message inflates past ${MAX_INFLATED_BYTES} bytes.`)
      : new SamlCheckError('saml.encoding', 'The SAML message is not DEFLATE-compressed.', { cause });
  }
  let xml: string;
  try {
    xml = utf8.decode(bytes);
  } catch (cause) {
    throw new SamlCheckError('saml.encoding', 'The SAML message is not UTF-8 text.', { cause });
  }
  refuseMarkupDeclarations(xml);
  return xml;
}

/**
 * Verifies the query-string signature when there is one (true), or returns false when there is none and
 * none is required. SAML Bindings §3.4.4.1: the signed octets are `SAMLRequest=…[&RelayState=…]&SigAlg=…`
 * with each value URL-encoded as it was sent.
 */
export function checkRedirectSignature(message: RedirectMessage, key: KeyObject, required: boolean): boolean {
  if (message.signature === undefined || message.sigAlg === undefined) {
    if (required) {
      throw new SamlCheckError('saml.unsigned', `The ${message.param} carries no query-string signature.`);
    }
    return false;
  }
  const alg = SIG_ALGS[message.sigAlg];
  if (alg === undefined || alg.ec !== (key.asymmetricKeyType === 'ec')) {
    throw new SamlCheckError(
      'saml.signature_method_refused',
      `The signature algorithm "${shown(message.sigAlg)}" is not accepted for this IdP's key.`,
    );
  }
  const octets = Buffer.from(signedOctets(message), 'utf8');
  const signature = Buffer.from(message.signature.replace(/\s+/g, ''), 'base64');
  const options = alg.ec
    ? { key, dsaEncoding: 'ieee-p1363' as const }
    : { key, padding: constants.RSA_PKCS1_PADDING };
  if (!verify(alg.hash, octets, options, signature)) {
    throw new SamlCheckError(
      'saml.signature_invalid',
      `The ${message.param}'s signature does not verify with the IdP certificate.`,
    );
  }
  return true;
}

/** The octets the IdP signed: cut from the raw query when there is one, else re-encoded (RFC 3986). */
function signedOctets(message: RedirectMessage): string {
  const raw = message.queryString === undefined ? null : rawParameters(message.queryString);
  const encoded = (name: string, value: string | undefined): string | undefined =>
    value === undefined ? undefined : (raw?.get(name) ?? encodeURIComponent(value));
  const parts: Array<[string, string | undefined]> = [
    [message.param, encoded(message.param, message.value)],
    ['RelayState', encoded('RelayState', message.relayState)],
    ['SigAlg', encoded('SigAlg', message.sigAlg)],
  ];
  return parts
    .filter((part): part is [string, string] => part[1] !== undefined)
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** The raw (still URL-encoded) value of each parameter; a parameter sent twice is refused. */
function rawParameters(queryString: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const pair of queryString.split('&')) {
    const at = pair.indexOf('=');
    const name = at < 0 ? pair : pair.slice(0, at);
    if (values.has(name)) {
      throw new SamlCheckError('saml.structure', `The query string names ${shown(name)} twice.`);
    }
    values.set(name, at < 0 ? '' : pair.slice(at + 1));
  }
  return values;
}
