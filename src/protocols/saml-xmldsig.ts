// XML signature checks for SAML responses (saml-verify.ts): the strict shape a SAML signature must have
// (SAML Core §5.4, XMLDSig Core §4), the algorithm allow-list (no SHA-1), and verification with xml-crypto
// against the configured certificate only (KeyInfo is ignored), returning the canonical XML that was signed.

import { createHash, constants, verify, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';

import {
  NS,
  SamlCheckError,
  attr,
  attributes,
  childElements,
  hasDirectText,
  is,
  shown,
  textContent,
  type XmlElement,
} from './saml-xml.js';

// ---------------------------------------------------------------------------------------------------------
// Algorithms (XMLDSig Core §6, RFC 6931 "Additional XML Security URIs")

export const ALG = {
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  rsaSha384: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384',
  rsaSha512: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
  rsaPssSha256: 'http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1',
  rsaPssSha384: 'http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1',
  rsaPssSha512: 'http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1',
  ecdsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256',
  ecdsaSha384: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384',
  ecdsaSha512: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha384: 'http://www.w3.org/2001/04/xmldsig-more#sha384',
  sha512: 'http://www.w3.org/2001/04/xmlenc#sha512',
} as const;

type Hash = 'sha256' | 'sha384' | 'sha512';
type KeyFamily = 'rsa' | 'rsa-pss' | 'ec';

interface SignatureSpec {
  family: KeyFamily;
  hash: Hash;
}

/** Signature methods accepted: RSA PKCS#1 v1.5, RSASSA-PSS and ECDSA, each with SHA-256 or stronger. */
const SIGNATURE_METHODS: Readonly<Record<string, SignatureSpec>> = {
  [ALG.rsaSha256]: { family: 'rsa', hash: 'sha256' },
  [ALG.rsaSha384]: { family: 'rsa', hash: 'sha384' },
  [ALG.rsaSha512]: { family: 'rsa', hash: 'sha512' },
  [ALG.rsaPssSha256]: { family: 'rsa-pss', hash: 'sha256' },
  [ALG.rsaPssSha384]: { family: 'rsa-pss', hash: 'sha384' },
  [ALG.rsaPssSha512]: { family: 'rsa-pss', hash: 'sha512' },
  [ALG.ecdsaSha256]: { family: 'ec', hash: 'sha256' },
  [ALG.ecdsaSha384]: { family: 'ec', hash: 'sha384' },
  [ALG.ecdsaSha512]: { family: 'ec', hash: 'sha512' },
};

const DIGEST_METHODS: Readonly<Record<string, Hash>> = {
  [ALG.sha256]: 'sha256',
  [ALG.sha384]: 'sha384',
  [ALG.sha512]: 'sha512',
};

/** The key types a signature family may be verified with: an RSA URI never verifies with an EC key. */
function keyFits(family: KeyFamily, key: KeyObject): boolean {
  const type = key.asymmetricKeyType;
  if (family === 'ec') return type === 'ec';
  return type === 'rsa' || (family === 'rsa-pss' && type === 'rsa-pss');
}

function verifyOptions(spec: SignatureSpec, key: KeyObject) {
  if (spec.family === 'ec') return { key, dsaEncoding: 'ieee-p1363' as const }; // RFC 4051 §3.3: r || s
  if (spec.family === 'rsa-pss') {
    return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST };
  }
  return { key, padding: constants.RSA_PKCS1_PADDING };
}

function asKeyObject(key: unknown): KeyObject | null {
  return typeof key === 'object' && key !== null && 'asymmetricKeyType' in key ? (key as KeyObject) : null;
}

/** The shape xml-crypto instantiates for a signature method (`new Algorithm()`); verification only. */
interface XmlCryptoSignatureAlgorithm {
  verifySignature(material: string, key: unknown, signatureValue: string): boolean;
  getAlgorithmName(): string;
}

interface XmlCryptoHashAlgorithm {
  getHash(xml: string): string;
  getAlgorithmName(): string;
}

function signatureAlgorithmClass(uri: string, spec: SignatureSpec): new () => XmlCryptoSignatureAlgorithm {
  return class implements XmlCryptoSignatureAlgorithm {
    verifySignature(material: string, key: unknown, signatureValue: string): boolean {
      const publicKey = asKeyObject(key);
      if (publicKey === null || !keyFits(spec.family, publicKey)) return false;
      const value = Buffer.from(signatureValue.replace(/\s+/g, ''), 'base64');
      return verify(spec.hash, Buffer.from(material, 'utf8'), verifyOptions(spec, publicKey), value);
    }
    getAlgorithmName(): string {
      return uri;
    }
  };
}

function hashAlgorithmClass(uri: string, hash: Hash): new () => XmlCryptoHashAlgorithm {
  return class implements XmlCryptoHashAlgorithm {
    getHash(xml: string): string {
      return createHash(hash).update(xml, 'utf8').digest('base64');
    }
    getAlgorithmName(): string {
      return uri;
    }
  };
}

const SIGNATURE_ALGORITHM_CLASSES = Object.fromEntries(
  Object.entries(SIGNATURE_METHODS).map(([uri, spec]) => [uri, signatureAlgorithmClass(uri, spec)]),
);
const HASH_ALGORITHM_CLASSES = Object.fromEntries(
  Object.entries(DIGEST_METHODS).map(([uri, hash]) => [uri, hashAlgorithmClass(uri, hash)]),
);

// ---------------------------------------------------------------------------------------------------------
// xml-crypto, typed locally (see saml-xml.ts for why it is not imported)

interface XmlCryptoSignedXml {
  SignatureAlgorithms: Record<string, unknown>;
  HashAlgorithms: Record<string, unknown>;
  CanonicalizationAlgorithms: Record<string, unknown>;
  loadSignature(signature: XmlElement): void;
  checkSignature(xml: string): boolean;
  getSignedReferences(): string[];
}

interface XmlCryptoModule {
  SignedXml: new (options: { publicCert: KeyObject }) => XmlCryptoSignedXml;
}

const xmlCrypto = createRequire(import.meta.url)('xml-crypto') as XmlCryptoModule;

// ---------------------------------------------------------------------------------------------------------
// The shape of a SAML signature

const WEAK_ALGORITHM = /sha1|sha224|md5|hmac|dsa-sha1|#dsa/i;
const SHA1 = /sha1/i;

function one(parent: XmlElement, ns: string, localName: string, where: string): XmlElement {
  const found = childElements(parent).filter((child) => is(child, ns, localName));
  if (found.length !== 1) {
    throw new SamlCheckError(
      'saml.signature_shape',
      `${where} must contain exactly one ${localName} element.`,
    );
  }
  return found[0] as XmlElement;
}

function onlyChildren(parent: XmlElement, allowed: ReadonlyArray<[string, string]>, where: string): void {
  for (const child of childElements(parent)) {
    if (!allowed.some(([ns, name]) => is(child, ns, name))) {
      throw new SamlCheckError(
        'saml.signature_shape',
        `${where} contains an unexpected <${shown(child.nodeName)}> element.`,
      );
    }
  }
  if (hasDirectText(parent)) {
    throw new SamlCheckError('saml.signature_shape', `${where} contains unexpected text.`);
  }
}

/**
 * Checks that `signature` is an enveloped signature of exactly its parent element (SAML Core §5.4.1–5.4.4):
 * one SignedInfo with exclusive canonicalisation, an allowed signature method, exactly one Reference whose URI
 * is `#` + the parent's ID, the transforms enveloped-signature then exclusive c14n and nothing else, and an
 * allowed digest. Everything else is refused before any crypto runs.
 */
export function checkSignatureShape(signature: XmlElement, parent: XmlElement, key: KeyObject): void {
  const label = `The ${parent.localName} signature`;
  const signedInfo = checkSignatureChildren(signature, label);
  checkSignedInfoAlgorithms(signedInfo, key, label);
  const reference = checkReference(signedInfo, parent, label);
  checkTransforms(reference, label);
  checkDigest(reference, label);
}

/** XMLDSig Core §4.1: SignedInfo first, then SignatureValue, then an optional KeyInfo; nothing else. */
function checkSignatureChildren(signature: XmlElement, label: string): XmlElement {
  onlyChildren(
    signature,
    [
      [NS.dsig, 'SignedInfo'],
      [NS.dsig, 'SignatureValue'],
      [NS.dsig, 'KeyInfo'],
    ],
    label,
  );
  const signedInfo = one(signature, NS.dsig, 'SignedInfo', label);
  one(signature, NS.dsig, 'SignatureValue', label);
  if (childElements(signature)[0] !== signedInfo) {
    throw new SamlCheckError('saml.signature_shape', `${label} must start with SignedInfo.`);
  }
  return signedInfo;
}

/** Exclusive c14n (SAML Core §5.4.3) and an allowed signature method that fits the certificate's key. */
function checkSignedInfoAlgorithms(signedInfo: XmlElement, key: KeyObject, label: string): void {
  const where = `${label}'s SignedInfo`;
  onlyChildren(
    signedInfo,
    [
      [NS.dsig, 'CanonicalizationMethod'],
      [NS.dsig, 'SignatureMethod'],
      [NS.dsig, 'Reference'],
    ],
    where,
  );
  const c14n = attr(one(signedInfo, NS.dsig, 'CanonicalizationMethod', where), 'Algorithm');
  if (c14n !== ALG.excC14n) {
    throw new SamlCheckError(
      'saml.c14n_not_exclusive',
      `${label} uses the canonicalization method "${shown(c14n)}"; only exclusive canonicalization (${ALG.excC14n}) is accepted.`,
    );
  }
  const method = attr(one(signedInfo, NS.dsig, 'SignatureMethod', where), 'Algorithm') ?? '';
  const spec = SIGNATURE_METHODS[method];
  if (spec === undefined) {
    const why = WEAK_ALGORITHM.test(method) ? ' SHA-1 and other weak algorithms are refused;' : '';
    throw new SamlCheckError(
      SHA1.test(method) ? 'saml.sha1_signature_refused' : 'saml.signature_method_refused',
      `${label} uses the signature method "${shown(method)}", which is not accepted.${why} use RSA-SHA256 or stronger, or ECDSA-SHA256 or stronger.`,
    );
  }
  if (!keyFits(spec.family, key)) {
    throw new SamlCheckError(
      'saml.signature_key_mismatch',
      `${label} uses "${shown(method)}", which does not match the configured certificate's ${key.asymmetricKeyType ?? 'unknown'} key.`,
    );
  }
}

/** SAML Core §5.4.2: exactly one Reference, to `#` + the signed element's ID, with the usual attributes. */
function checkReference(signedInfo: XmlElement, parent: XmlElement, label: string): XmlElement {
  const references = childElements(signedInfo).filter((child) => is(child, NS.dsig, 'Reference'));
  if (references.length !== 1) {
    throw new SamlCheckError(
      'saml.reference_count',
      `${label} must have exactly one Reference; it has ${references.length}.`,
    );
  }
  const reference = references[0] as XmlElement;
  const parentId = attr(parent, 'ID');
  const uri = attr(reference, 'URI');
  if (parentId === null || parentId === '' || uri !== `#${parentId}`) {
    throw new SamlCheckError(
      'saml.reference_target',
      `${label} must reference its own ${parent.localName} ("#${shown(parentId)}"), but it references "${shown(uri)}".`,
    );
  }
  for (const a of attributes(reference)) {
    const allowed = a.localName === 'URI' || a.localName === 'Id' || a.localName === 'Type';
    if (!allowed && a.namespaceURI !== NS.xmlns) {
      throw new SamlCheckError(
        'saml.reference_target',
        `${label}'s Reference has an unexpected ${shown(a.name)} attribute.`,
      );
    }
  }
  onlyChildren(
    reference,
    [
      [NS.dsig, 'Transforms'],
      [NS.dsig, 'DigestMethod'],
      [NS.dsig, 'DigestValue'],
    ],
    `${label}'s Reference`,
  );
  return reference;
}

/** SAML Core §5.4.4: the transforms are enveloped-signature then exclusive c14n, and nothing else. */
function checkTransforms(reference: XmlElement, label: string): void {
  const transforms = one(reference, NS.dsig, 'Transforms', `${label}'s Reference`);
  onlyChildren(transforms, [[NS.dsig, 'Transform']], `${label}'s Transforms`);
  const transformList = childElements(transforms);
  const algorithms = transformList.map((t) => attr(t, 'Algorithm') ?? '');
  if (algorithms.length !== 2 || algorithms[0] !== ALG.enveloped || algorithms[1] !== ALG.excC14n) {
    throw new SamlCheckError(
      'saml.transforms',
      `${label} must use exactly the transforms enveloped-signature then exclusive canonicalization; it uses [${shown(algorithms.join(', '))}].`,
    );
  }
  const [enveloped, exclusive] = transformList as [XmlElement, XmlElement]; // exactly two, checked above
  // Only the exclusive c14n transform may carry a child: its InclusiveNamespaces prefix list.
  onlyChildren(enveloped, [], `${label}'s enveloped-signature transform`);
  onlyChildren(exclusive, [[ALG.excC14n, 'InclusiveNamespaces']], `${label}'s c14n transform`);
  for (const inclusive of childElements(exclusive)) {
    onlyChildren(inclusive, [], `${label}'s InclusiveNamespaces`);
  }
}

/** An allowed digest method (SHA-256 or stronger) and a non-empty DigestValue. */
function checkDigest(reference: XmlElement, label: string): void {
  const digest = attr(one(reference, NS.dsig, 'DigestMethod', `${label}'s Reference`), 'Algorithm') ?? '';
  if (DIGEST_METHODS[digest] === undefined) {
    const why = WEAK_ALGORITHM.test(digest) ? ' SHA-1 is refused;' : '';
    throw new SamlCheckError(
      SHA1.test(digest) ? 'saml.sha1_digest_refused' : 'saml.digest_method_refused',
      `${label} uses the digest method "${shown(digest)}", which is not accepted.${why} use SHA-256 or stronger.`,
    );
  }
  if (textContent(one(reference, NS.dsig, 'DigestValue', `${label}'s Reference`)).trim() === '') {
    throw new SamlCheckError('saml.signature_shape', `${label}'s DigestValue is empty.`);
  }
}

/**
 * Verifies one enveloped signature with xml-crypto against `key` (KeyInfo is never used: xml-crypto's default
 * `getCertFromKeyInfo` is a no-op) and returns the canonical XML of the element it signed: the only bytes the
 * caller may read identity and conditions from. `xml` must be the exact text `signature` was parsed from.
 */
export function verifySignature(
  xml: string,
  signature: XmlElement,
  parent: XmlElement,
  key: KeyObject,
): string {
  const label = `The ${parent.localName} signature`;
  const signed = new xmlCrypto.SignedXml({ publicCert: key });
  // Only the algorithms checked above exist for this instance: a defence in depth behind checkSignatureShape.
  signed.SignatureAlgorithms = { ...SIGNATURE_ALGORITHM_CLASSES };
  signed.HashAlgorithms = { ...HASH_ALGORITHM_CLASSES };
  const c14n = signed.CanonicalizationAlgorithms;
  signed.CanonicalizationAlgorithms = {
    [ALG.excC14n]: c14n[ALG.excC14n],
    [ALG.enveloped]: c14n[ALG.enveloped],
  };

  let valid: boolean;
  try {
    signed.loadSignature(signature);
    valid = signed.checkSignature(xml);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : '';
    if (message.startsWith('invalid signature: the signature value')) {
      throw new SamlCheckError(
        'saml.signature_invalid',
        `${label} does not verify with the configured IdP certificate (it was made with another key, or altered).`,
        { cause: new Error('signature value mismatch') },
      );
    }
    throw new SamlCheckError('saml.signature_invalid', `${label} could not be verified.`, { cause });
  }
  if (!valid) {
    throw new SamlCheckError(
      'saml.signed_content_altered',
      `${label} does not match the signed content: the ${parent.localName} was altered after it was signed.`,
    );
  }
  const references = signed.getSignedReferences();
  if (references.length !== 1 || typeof references[0] !== 'string') {
    throw new SamlCheckError('saml.reference_count', `${label} did not yield exactly one signed element.`);
  }
  return references[0];
}
