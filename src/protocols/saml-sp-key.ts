// The SAML SP signing secret: one reader used when a provider is added (a bad key is refused there, naming
// the field) and by the SAML adapter at every login and metadata request, so a key that Add accepted always
// signs later. The secret is a PEM private key (RSA, or EC on P-256/P-384/P-521), optionally with its
// certificate, which the metadata then publishes. Encrypted keys are not supported.
import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

export interface SpSigningKey {
  key: KeyObject;
  /** Base64 DER of the bundled certificate; null when none was given. */
  certificate: string | null;
}

/** Why a stored or submitted SP signing secret cannot be used; the message names no part of the key. */
export class SpKeyError extends Error {}

const PRIVATE_KEY_PEM =
  /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/;
const CERTIFICATE_PEM = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/;
const SUPPORTED_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

/** Null when there is no key (SP does not sign); throws SpKeyError when the secret is present but unusable. */
export function readSpSigningKey(pem: string | null): SpSigningKey | null {
  if (pem === null || pem.trim() === '') return null;
  const keyBlock = PRIVATE_KEY_PEM.exec(pem);
  if (keyBlock === null) {
    throw new SpKeyError('must be an unencrypted PEM private key (RSA or EC)');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyBlock[0]);
  } catch (cause) {
    throw new SpKeyError('is a PEM block that does not hold a readable private key', { cause });
  }
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (type !== 'rsa' && !(type === 'ec' && curve !== undefined && SUPPORTED_CURVES.has(curve))) {
    throw new SpKeyError('must be an RSA key or an EC key on P-256, P-384 or P-521');
  }
  const certBlock = CERTIFICATE_PEM.exec(pem);
  if (certBlock === null) return { key, certificate: null };
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(Buffer.from((certBlock[1] ?? '').replace(/\s+/g, ''), 'base64'));
  } catch (cause) {
    throw new SpKeyError('has a certificate block that is not a readable X.509 certificate', { cause });
  }
  const fromCert = certificate.publicKey.export({ type: 'spki', format: 'der' });
  const fromKey = createPublicKey(key).export({ type: 'spki', format: 'der' });
  if (Buffer.compare(fromCert, fromKey) !== 0) {
    throw new SpKeyError('has a certificate that does not belong to its private key');
  }
  return { key, certificate: certificate.raw.toString('base64') };
}
