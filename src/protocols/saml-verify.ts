// Verification of a posted SAML Response (SAML Core §3.2.2, §5.4; Bindings §3.5.5.2): decoding, the structure
// of the whole document, where signatures may sit, the signature check, then the signed Response and its
// Assertion (saml-assertion.ts). Every value is read from the canonical XML that the signature covers.

import { X509Certificate, type KeyObject } from 'node:crypto';

import type { Log } from '../sso/ports.js';
import type { SamlAssertion } from './engines.js';
import type { SamlProviderSettings } from '../sso/provider-settings.js';
import { checkIssuer, readAssertion, type VerifyInput } from './saml-assertion.js';
import {
  NS,
  SamlCheckError,
  attr,
  attributes,
  childElements,
  children,
  decodeBase64Xml,
  descendantElements,
  hasDirectText,
  is,
  parseStrict,
  refuseMarkupDeclarations,
  shown,
  type XmlElement,
} from './saml-xml.js';
import { checkSignatureShape, verifySignature } from './saml-xmldsig.js';

export type { VerifyInput } from './saml-assertion.js';

const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const NAMEID_TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
const ID_ATTRIBUTE_NAMES = new Set(['ID', 'Id', 'id']); // what xml-crypto resolves a `#id` reference against

/** How a Response is verified: the IdP's key, the clock tolerance, and an optional decoded-size cap. */
export interface VerifyContext {
  key: KeyObject;
  skewMs: number;
  /** Largest decoded SAMLResponse; undefined leaves the bound to the HTTP body limit that carried it. */
  maxBytes: number | undefined;
  logger: Log;
}

/** Checks a posted SAMLResponse fully and returns its assertion; throws SamlCheckError naming the check. */
export function verifyResponse(
  settings: SamlProviderSettings,
  input: VerifyInput,
  context: VerifyContext,
): SamlAssertion {
  if (input.expectedRequestId === '') {
    // An empty id would match an empty InResponseTo: a caller bug must not open an unsolicited-login path.
    throw new SamlCheckError(
      'saml.idp_initiated',
      'No authentication request is outstanding for this login.',
    );
  }
  // 1. Text: base64, UTF-8, and no DTD before any parser runs.
  const xml = decodeBase64Xml(input.samlResponse, context.maxBytes);
  refuseMarkupDeclarations(xml);
  const root = parseStrict(xml).documentElement as XmlElement; // parseStrict refuses a document without one

  // 2–3. Structure, then status, then exactly one Assertion.
  const all = checkDocumentStructure(root);
  checkStatus(root);
  const assertion = theOnlyAssertion(root, all);
  checkResponseChildren(root);

  // 4–5. Signatures, then switch to the signed bytes: from here on nothing is read from the posted document
  //      except Response-level fields when only the Assertion is signed.
  const signatures = findSignatures(root, assertion, all, context.key);
  const signed = readSignedElements(xml, root, assertion, signatures, context.key);

  // 6. The Response (SAML Core §3.2.2, Bindings §3.5.5.2).
  checkResponse(signed.response, signatures.response !== undefined, settings, input);

  // 7. The Assertion (SAML Core §2.3.3, §2.4, §2.5, §2.7; Profiles §4.1.4.2–4.1.4.3).
  const result = readAssertion(signed.assertion, settings, input, context.skewMs);
  if (result.nameIdFormat === NAMEID_TRANSIENT) {
    context.logger.warn(
      { issuer: result.assertion.issuer },
      'SAML NameID is transient: it changes on every login, so accounts cannot stay linked to it',
    );
  }
  return result.assertion;
}

/** SAML Core §3.2.2, §5.4: a 2.0 Response, clean namespaces, unique IDs, one Response, no encryption. */
function checkDocumentStructure(root: XmlElement): XmlElement[] {
  if (!is(root, NS.protocol, 'Response')) {
    throw new SamlCheckError(
      'saml.not_response',
      `The SAML message is a <${shown(root.nodeName)}> in namespace "${shown(root.namespaceURI)}", not a SAML 2.0 protocol Response.`,
    );
  }
  const all = [root, ...descendantElements(root)];
  checkNamespacesAndIds(all);
  if (all.some((el) => el !== root && el.localName === 'Response')) {
    throw new SamlCheckError('saml.structure', 'The SAML response contains a second Response element.');
  }
  if (all.some((el) => el.localName === 'EncryptedAssertion')) {
    throw new SamlCheckError(
      'saml.encrypted_assertion',
      'The SAML response carries an EncryptedAssertion; encrypted assertions are not supported. Turn assertion encryption off for this service provider at the IdP.',
    );
  }
  return all;
}

/** Exactly one Assertion in the document, a SAML 2.0 one, directly inside the Response. */
function theOnlyAssertion(root: XmlElement, all: XmlElement[]): XmlElement {
  const assertions = all.filter((el) => el.localName === 'Assertion');
  if (assertions.length !== 1) {
    throw new SamlCheckError(
      'saml.assertion_count',
      `The SAML response must contain exactly one Assertion; it contains ${assertions.length}.`,
    );
  }
  const assertion = assertions[0] as XmlElement;
  if (!is(assertion, NS.assertion, 'Assertion') || assertion.parentNode !== root) {
    throw new SamlCheckError(
      'saml.structure',
      'The Assertion must be a SAML 2.0 assertion placed directly inside the Response.',
    );
  }
  return assertion;
}

/** No element or attribute with an undeclared prefix; no two ID-like attributes with the same value. */
function checkNamespacesAndIds(elements: XmlElement[]): void {
  const ids = new Set<string>();
  for (const el of elements) {
    if (el.prefix && !el.namespaceURI) {
      throw new SamlCheckError(
        'saml.xml',
        `The element <${shown(el.nodeName)}> uses an undeclared namespace prefix.`,
      );
    }
    for (const a of attributes(el)) {
      if (a.prefix && a.prefix !== 'xmlns' && !a.namespaceURI) {
        throw new SamlCheckError(
          'saml.xml',
          `The attribute ${shown(a.name)} uses an undeclared namespace prefix.`,
        );
      }
      if (a.localName !== null && ID_ATTRIBUTE_NAMES.has(a.localName)) {
        // xml-crypto finds `#x` by any attribute whose local name is ID/Id/id: a second one is a wrapping attempt.
        if (ids.has(a.value)) {
          throw new SamlCheckError(
            'saml.duplicate_id',
            `The SAML response contains the ID "${shown(a.value)}" more than once (signature wrapping attempt).`,
          );
        }
        ids.add(a.value);
      }
    }
  }
}

/** Response children in schema order terms: Issuer?, Signature?, Extensions?, Status, Assertion (SAML Core §3.2.2). */
function checkResponseChildren(response: XmlElement): void {
  const allowed: Array<[string, string]> = [
    [NS.assertion, 'Issuer'],
    [NS.dsig, 'Signature'],
    [NS.protocol, 'Extensions'],
    [NS.protocol, 'Status'],
    [NS.assertion, 'Assertion'],
  ];
  const seen = new Set<string>();
  for (const child of childElements(response)) {
    const entry = allowed.find(([ns, name]) => is(child, ns, name));
    if (entry === undefined) {
      throw new SamlCheckError(
        'saml.structure',
        `The Response contains an unexpected <${shown(child.nodeName)}> element.`,
      );
    }
    if (seen.has(entry[1])) {
      throw new SamlCheckError('saml.structure', `The Response contains more than one ${entry[1]} element.`);
    }
    seen.add(entry[1]);
  }
  if (hasDirectText(response)) {
    throw new SamlCheckError('saml.structure', 'The Response contains unexpected text.');
  }
}

/**
 * SAML Core §3.2.2.2: the top-level StatusCode must be Success; otherwise report the codes the IdP sent.
 * Checked before the signatures, so an IdP's error answer (usually unsigned, no assertion) is reported as such.
 */
function checkStatus(response: XmlElement): void {
  const statuses = children(response, NS.protocol, 'Status');
  const status = statuses[0];
  const code = status === undefined ? undefined : children(status, NS.protocol, 'StatusCode')[0];
  if (statuses.length !== 1 || code === undefined) {
    throw new SamlCheckError('saml.status_missing', 'The SAML response has no Status.');
  }
  const value = attr(code, 'Value') ?? '';
  if (value !== STATUS_SUCCESS) {
    const sub = children(code, NS.protocol, 'StatusCode')[0];
    const subValue = sub === undefined ? null : attr(sub, 'Value');
    throw new SamlCheckError(
      'saml.status_not_success',
      `The IdP answered with status ${shortUrn(value)}${subValue ? ` / ${shortUrn(subValue)}` : ''} instead of Success.`,
    );
  }
}

function shortUrn(value: string): string {
  const clean = value.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
  return clean.startsWith('urn:oasis:names:tc:SAML:2.0:status:') ? clean.slice(35) : `"${clean}"`;
}

interface Signatures {
  response: XmlElement | undefined;
  assertion: XmlElement | undefined;
}

/**
 * Signatures only on the Response or on its Assertion, at most one each, at least one (SAML Core §5.4;
 * Profiles §4.1.3.5), each of the exact shape SAML prescribes.
 */
function findSignatures(
  root: XmlElement,
  assertion: XmlElement,
  all: XmlElement[],
  key: KeyObject,
): Signatures {
  for (const signature of all.filter((el) => is(el, NS.dsig, 'Signature'))) {
    if (signature.parentNode !== root && signature.parentNode !== assertion) {
      throw new SamlCheckError(
        'saml.signature_placement',
        `A signature is placed inside <${shown(signature.parentNode?.nodeName)}>; SAML signatures are only accepted on the Response or on its Assertion.`,
      );
    }
  }
  const responseSignatures = children(root, NS.dsig, 'Signature');
  const assertionSignatures = children(assertion, NS.dsig, 'Signature');
  if (responseSignatures.length > 1 || assertionSignatures.length > 1) {
    throw new SamlCheckError(
      'saml.signature_placement',
      'The Response or the Assertion carries more than one signature.',
    );
  }
  if (responseSignatures.length === 0 && assertionSignatures.length === 0) {
    throw new SamlCheckError(
      'saml.unsigned',
      'The SAML response is not signed: neither the Response nor its Assertion carries a signature. Have the IdP sign the response or the assertion.',
    );
  }
  const signatures = { response: responseSignatures[0], assertion: assertionSignatures[0] };
  if (signatures.response !== undefined) checkSignatureShape(signatures.response, root, key);
  if (signatures.assertion !== undefined) checkSignatureShape(signatures.assertion, assertion, key);
  return signatures;
}

/**
 * Verifies the signatures and returns the Response and Assertion parsed again from the signed canonical XML.
 * When only the Assertion is signed, the Response is the posted one (its fields are checked as unsigned).
 */
function readSignedElements(
  xml: string,
  root: XmlElement,
  assertion: XmlElement,
  signatures: Signatures,
  key: KeyObject,
): { response: XmlElement; assertion: XmlElement } {
  const assertionCanon =
    signatures.assertion === undefined ? null : verifySignature(xml, signatures.assertion, assertion, key);
  if (signatures.response === undefined) {
    // findSignatures guarantees a signature on the Assertion when the Response has none.
    const canon = assertionCanon as string;
    return {
      response: root,
      assertion: reparseSigned(canon, NS.assertion, 'Assertion', attr(assertion, 'ID')),
    };
  }
  const responseCanon = verifySignature(xml, signatures.response, root, key);
  const response = reparseSigned(responseCanon, NS.protocol, 'Response', attr(root, 'ID'));
  const inner = descendantElements(response).filter((el) => el.localName === 'Assertion');
  const only = inner.length === 1 ? inner[0] : undefined;
  if (only === undefined || !is(only, NS.assertion, 'Assertion') || only.parentNode !== response) {
    throw new SamlCheckError(
      'saml.assertion_count',
      'The signed Response must contain exactly one Assertion.',
    );
  }
  if (attr(only, 'ID') !== attr(assertion, 'ID')) {
    throw new SamlCheckError('saml.structure', 'The signed Response does not contain the posted Assertion.');
  }
  return { response, assertion: only };
}

/** Parses the canonical signed XML and checks it is the element that was expected to be signed. */
function reparseSigned(canon: string, ns: string, localName: string, id: string | null): XmlElement {
  const root = parseStrict(canon).documentElement as XmlElement; // parseStrict refuses a document without one
  if (!is(root, ns, localName) || attr(root, 'ID') !== id) {
    throw new SamlCheckError('saml.structure', `The signed element is not the ${localName} that was posted.`);
  }
  return root;
}

/**
 * The Response's own fields (SAML Core §3.2.2; Bindings §3.5.5.2): Version 2.0; a Destination, required when
 * the Response is signed, that is our ACS URL; InResponseTo, when present, this login's request; the Issuer.
 */
function checkResponse(
  response: XmlElement,
  responseSigned: boolean,
  settings: SamlProviderSettings,
  input: VerifyInput,
): void {
  if (attr(response, 'Version') !== '2.0') {
    throw new SamlCheckError('saml.version', 'The Response is not SAML version 2.0.');
  }
  const destination = attr(response, 'Destination');
  if (destination === null && responseSigned) {
    throw new SamlCheckError(
      'saml.destination_missing',
      `The signed Response has no Destination; it must name this service's ACS URL (${input.acsUrl}).`,
    );
  }
  if (destination !== null && destination !== input.acsUrl) {
    throw new SamlCheckError(
      'saml.destination_mismatch',
      `The Response's Destination "${shown(destination)}" is not this service's ACS URL "${input.acsUrl}".`,
    );
  }
  const responseInResponseTo = attr(response, 'InResponseTo');
  if (responseInResponseTo !== null && responseInResponseTo !== input.expectedRequestId) {
    throw new SamlCheckError(
      'saml.in_response_to_mismatch',
      'The Response answers another authentication request than the one of this login (InResponseTo differs).',
    );
  }
  const responseIssuer = children(response, NS.assertion, 'Issuer')[0];
  if (responseIssuer !== undefined) checkIssuer(responseIssuer, settings, 'Response');
}

/**
 * Best-effort, untrusted: the Response's InResponseTo, else the first SubjectConfirmationData's (some IdPs
 * only set the latter). Used only to find the flow; `verifyResponse` checks everything against that flow.
 */
export function peekInResponseTo(samlResponse: string, maxBytes: number | undefined): string | null {
  try {
    const xml = decodeBase64Xml(samlResponse, maxBytes);
    refuseMarkupDeclarations(xml);
    const root = parseStrict(xml).documentElement as XmlElement; // parseStrict refuses a document without one
    if (!is(root, NS.protocol, 'Response')) return null;
    const direct = attr(root, 'InResponseTo');
    if (direct !== null && direct !== '') return direct;
    const scd = descendantElements(root).find((el) => is(el, NS.assertion, 'SubjectConfirmationData'));
    const nested = scd === undefined ? null : attr(scd, 'InResponseTo');
    return nested === null || nested === '' ? null : nested;
  } catch {
    return null;
  }
}

/** The configured IdP certificate as a public key, parsed once per distinct value (bounded cache). */
export class CertificateCache {
  private readonly keys = new Map<string, KeyObject>();

  get(certificateBase64: string): KeyObject {
    const cached = this.keys.get(certificateBase64);
    if (cached !== undefined) return cached;
    let key: KeyObject;
    try {
      key = new X509Certificate(Buffer.from(certificateBase64.replace(/\s+/g, ''), 'base64')).publicKey;
    } catch (cause) {
      throw new SamlCheckError(
        'saml.certificate_unreadable',
        "The provider's IdP certificate (samlCertificate) cannot be read as a base64 DER X.509 certificate.",
        { cause },
      );
    }
    if (this.keys.size >= 64) this.keys.clear();
    this.keys.set(certificateBase64, key);
    return key;
  }
}
