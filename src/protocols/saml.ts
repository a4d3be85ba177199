// The SAML 2.0 service-provider adapter: implements `SamlProtocol` (src/sso/ports.ts) for the Web Browser SSO
// profile (SAML Profiles §4.1): AuthnRequests on the HTTP-Redirect binding, Responses on HTTP-POST, SP metadata.
//
// Design (DEPENDENCIES.md §5): samlify is not used at run time. Responses are checked here and signatures are
// verified with xml-crypto directly, against the configured certificate only. There is no XSD validation (it
// costs ~160 ms per call with xmllint-wasm); instead the XML-level defences are explicit and cheap: no DTD at
// all, a strict parser, one Response, one Assertion, unique IDs, signatures only where SAML allows them and of
// exactly the shape SAML prescribes, and every value read from the canonical XML that the signature covers.

import { X509Certificate, randomBytes, sign, type KeyObject } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';

import { systemClock } from '../sso/basics.js';
import { SsoError } from '../sso/errors.js';
import { silentLog, type Clock, type Log } from '../sso/ports.js';
import type { ProviderRecord, SamlProviderSettings } from '../sso/provider-settings.js';
import {
  NS,
  SamlCheckError,
  attr,
  attributes,
  attrNS,
  childElements,
  children,
  decodeBase64Xml,
  descendantElements,
  escapeXml,
  hasDirectText,
  is,
  parseStrict,
  refuseMarkupDeclarations,
  shown,
  textContent,
  type XmlElement,
} from './saml-xml.js';
import type { SamlAssertion, SamlProtocol } from './engines.js';
import { SpKeyError, readSpSigningKey, type SpSigningKey } from './saml-sp-key.js';
import { ALG, checkSignatureShape, verifySignature } from './saml-xmldsig.js';

/** Structured logger (a pino logger fits). */
export type SamlLogger = Log;

export interface SamlProtocolOptions {
  logger?: SamlLogger;
  /** Tolerance for the IdP's clock on NotBefore / NotOnOrAfter (default 120 s). */
  clockSkewSeconds?: number;
  /** Source of IssueInstant for AuthnRequests (default: the system clock). `verify` uses its `now` input. */
  clock?: Clock;
  /** Largest decoded SAMLResponse accepted (default 512 KiB). */
  maxResponseBytes?: number;
}

const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const CM_BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const NAMEID_ENTITY = 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity';
const NAMEID_UNSPECIFIED = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';
const NAMEID_TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
const BINDING_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const BINDING_REDIRECT_RELAYSTATE_MAX = 80; // SAML Bindings §3.4.3: RelayState MUST NOT exceed 80 bytes.
const ID_ATTRIBUTE_NAMES = new Set(['ID', 'Id', 'id']); // what xml-crypto resolves a `#id` reference against

const noopLogger: SamlLogger = silentLog;

export function createSamlProtocol(options: SamlProtocolOptions = {}): SamlProtocol {
  const logger = options.logger ?? noopLogger;
  const skewMs = (options.clockSkewSeconds ?? 120) * 1000;
  const clock = options.clock ?? systemClock;
  const maxBytes = options.maxResponseBytes ?? 512 * 1024;
  const certificates = new CertificateCache();

  return {
    start(provider, input) {
      return settle(() => buildRedirectRequest(provider, input, clock.now()));
    },

    peekInResponseTo(samlResponse) {
      return peekInResponseTo(samlResponse, maxBytes);
    },

    verify(provider, input) {
      return settle(() => {
        try {
          const key = certificates.get(provider.settings.samlCertificate);
          return verifyResponse(provider.settings, input, key, skewMs, maxBytes, logger);
        } catch (error) {
          if (error instanceof SamlCheckError) {
            logger.debug({ provider: provider.name, reason: error.reason }, 'SAML response refused');
            throw new SsoError('idp_response_invalid', error.message, {
              step: 'verify',
              reason: publicReason(error.reason),
              detail: error.reason,
              cause: error.cause ?? error,
            });
          }
          throw new SsoError('idp_response_invalid', 'The SAML response could not be processed.', {
            step: 'verify',
            reason: 'saml_response_rejected',
            detail: 'saml:internal',
            cause: error,
          });
        }
      });
    },

    metadata(provider, input) {
      return buildMetadata(provider, input.acsUrl, logger);
    },
  };
}

/**
 * The reason a stranger may see. Every structural and signature check is one reason, so the answer does not
 * tell a forger which check caught them (the exact check is the error's detail, for the log). Only what a
 * user or admin can act on is told apart: the IdP's own refusal, an expired answer (clocks), our certificate.
 */
function publicReason(checkReason: string): string {
  switch (checkReason) {
    case 'saml:status':
      return 'saml_idp_refused';
    case 'saml:expired':
    case 'saml:not-yet-valid':
      return 'saml_expired';
    case 'saml:certificate':
      return 'provider_misconfigured';
    default:
      return 'saml_response_rejected';
  }
}

/** Runs synchronous work as a promise: a throw becomes a rejection (the port's methods are async). */
function settle<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => resolve(work()));
}

// ---------------------------------------------------------------------------------------------------------
// The IdP certificate

class CertificateCache {
  private readonly keys = new Map<string, KeyObject>();

  get(certificateBase64: string): KeyObject {
    const cached = this.keys.get(certificateBase64);
    if (cached !== undefined) return cached;
    let key: KeyObject;
    try {
      key = new X509Certificate(Buffer.from(certificateBase64.replace(/\s+/g, ''), 'base64')).publicKey;
    } catch (cause) {
      throw new SamlCheckError(
        'saml:certificate',
        "The provider's IdP certificate (samlCertificate) cannot be read as a base64 DER X.509 certificate.",
        { cause },
      );
    }
    if (this.keys.size >= 64) this.keys.clear();
    this.keys.set(certificateBase64, key);
    return key;
  }
}

// ---------------------------------------------------------------------------------------------------------
// verify

interface VerifyInput {
  samlResponse: string;
  acsUrl: string;
  expectedRequestId: string;
  now: Date;
}

function verifyResponse(
  settings: SamlProviderSettings,
  input: VerifyInput,
  key: KeyObject,
  skewMs: number,
  maxBytes: number,
  logger: SamlLogger,
): SamlAssertion {
  if (input.expectedRequestId === '') {
    // An empty id would match an empty InResponseTo: a caller bug must not open an unsolicited-login path.
    throw new SamlCheckError(
      'saml:in-response-to',
      'No authentication request is outstanding for this login.',
    );
  }
  // 1. Text: base64, UTF-8, and no DTD before any parser runs.
  const xml = decodeBase64Xml(input.samlResponse, maxBytes);
  refuseMarkupDeclarations(xml);
  const doc = parseStrict(xml);
  const root = doc.documentElement as XmlElement;

  // 2. Structure of the whole document (SAML Core §3.2.2, §2.3.3, §5.4).
  if (!is(root, NS.protocol, 'Response')) {
    throw new SamlCheckError(
      'saml:not-response',
      `The SAML message is a <${shown(root.nodeName)}> in namespace "${shown(root.namespaceURI)}", not a SAML 2.0 protocol Response.`,
    );
  }
  const all = [root, ...descendantElements(root)];
  checkNamespacesAndIds(all);
  if (all.some((el) => el !== root && el.localName === 'Response')) {
    throw new SamlCheckError('saml:structure', 'The SAML response contains a second Response element.');
  }
  if (all.some((el) => el.localName === 'EncryptedAssertion')) {
    throw new SamlCheckError(
      'saml:encrypted',
      'The SAML response carries an EncryptedAssertion; encrypted assertions are not supported. Turn assertion encryption off for this service provider at the IdP.',
    );
  }

  // 3. Status first, so an IdP's error answer (usually unsigned, with no assertion) is reported as such.
  checkStatus(root);

  const assertions = all.filter((el) => el.localName === 'Assertion');
  if (assertions.length !== 1) {
    throw new SamlCheckError(
      'saml:assertion-count',
      `The SAML response must contain exactly one Assertion; it contains ${assertions.length}.`,
    );
  }
  const assertion = assertions[0] as XmlElement;
  if (!is(assertion, NS.assertion, 'Assertion') || assertion.parentNode !== root) {
    throw new SamlCheckError(
      'saml:structure',
      'The Assertion must be a SAML 2.0 assertion placed directly inside the Response.',
    );
  }
  checkResponseChildren(root);

  // 4. Signatures: only on the Response or on its Assertion, at most one each, and at least one.
  const signatures = all.filter((el) => is(el, NS.dsig, 'Signature'));
  for (const signature of signatures) {
    if (signature.parentNode !== root && signature.parentNode !== assertion) {
      throw new SamlCheckError(
        'saml:signature-placement',
        `A signature is placed inside <${shown(signature.parentNode?.nodeName)}>; SAML signatures are only accepted on the Response or on its Assertion.`,
      );
    }
  }
  const responseSignatures = children(root, NS.dsig, 'Signature');
  const assertionSignatures = children(assertion, NS.dsig, 'Signature');
  if (responseSignatures.length > 1 || assertionSignatures.length > 1) {
    throw new SamlCheckError(
      'saml:signature-placement',
      'The Response or the Assertion carries more than one signature.',
    );
  }
  if (responseSignatures.length === 0 && assertionSignatures.length === 0) {
    throw new SamlCheckError(
      'saml:unsigned',
      'The SAML response is not signed: neither the Response nor its Assertion carries a signature. Have the IdP sign the response or the assertion.',
    );
  }
  const responseSignature = responseSignatures[0];
  const assertionSignature = assertionSignatures[0];
  if (responseSignature !== undefined) checkSignatureShape(responseSignature, root, key);
  if (assertionSignature !== undefined) checkSignatureShape(assertionSignature, assertion, key);

  // 5. Crypto, then switch to the signed bytes: from here on nothing is read from the posted document except
  //    Response-level fields when only the Assertion is signed.
  let response: XmlElement = root;
  let signedAssertion: XmlElement;
  const assertionCanon =
    assertionSignature === undefined ? null : verifySignature(xml, assertionSignature, assertion, key);
  if (responseSignature !== undefined) {
    const responseCanon = verifySignature(xml, responseSignature, root, key);
    response = reparseSigned(responseCanon, NS.protocol, 'Response', attr(root, 'ID'));
    const inner = descendantElements(response).filter((el) => el.localName === 'Assertion');
    const only = inner.length === 1 ? inner[0] : undefined;
    if (only === undefined || !is(only, NS.assertion, 'Assertion') || only.parentNode !== response) {
      throw new SamlCheckError(
        'saml:assertion-count',
        'The signed Response must contain exactly one Assertion.',
      );
    }
    signedAssertion = only;
    if (attr(signedAssertion, 'ID') !== attr(assertion, 'ID')) {
      throw new SamlCheckError(
        'saml:structure',
        'The signed Response does not contain the posted Assertion.',
      );
    }
  } else {
    signedAssertion = reparseSigned(
      assertionCanon as string,
      NS.assertion,
      'Assertion',
      attr(assertion, 'ID'),
    );
  }

  // 6. The Response (SAML Core §3.2.2, Bindings §3.5.5.2).
  const responseSigned = responseSignature !== undefined;
  if (attr(response, 'Version') !== '2.0') {
    throw new SamlCheckError('saml:version', 'The Response is not SAML version 2.0.');
  }
  const destination = attr(response, 'Destination');
  if (destination === null && responseSigned) {
    throw new SamlCheckError(
      'saml:destination',
      `The signed Response has no Destination; it must name this service's ACS URL (${input.acsUrl}).`,
    );
  }
  if (destination !== null && destination !== input.acsUrl) {
    throw new SamlCheckError(
      'saml:destination',
      `The Response's Destination "${shown(destination)}" is not this service's ACS URL "${input.acsUrl}".`,
    );
  }
  const responseInResponseTo = attr(response, 'InResponseTo');
  if (responseInResponseTo !== null && responseInResponseTo !== input.expectedRequestId) {
    throw new SamlCheckError(
      'saml:in-response-to',
      'The Response answers another authentication request than the one of this login (InResponseTo differs).',
    );
  }
  const responseIssuer = children(response, NS.assertion, 'Issuer')[0];
  if (responseIssuer !== undefined) checkIssuer(responseIssuer, settings, 'Response');

  // 7. The Assertion (SAML Core §2.3.3, §2.4, §2.5, §2.7; Profiles §4.1.4.2–4.1.4.3).
  const result = readAssertion(signedAssertion, settings, input, skewMs);
  if (result.nameIdFormat === NAMEID_TRANSIENT) {
    logger.warn(
      { issuer: result.assertion.issuer },
      'SAML NameID is transient: it changes on every login, so accounts cannot stay linked to it',
    );
  }
  return result.assertion;
}

/** No element or attribute with an undeclared prefix; no two ID-like attributes with the same value. */
function checkNamespacesAndIds(elements: XmlElement[]): void {
  const ids = new Set<string>();
  for (const el of elements) {
    if (el.prefix && !el.namespaceURI) {
      throw new SamlCheckError(
        'saml:xml',
        `The element <${shown(el.nodeName)}> uses an undeclared namespace prefix.`,
      );
    }
    for (const a of attributes(el)) {
      if (a.prefix && a.prefix !== 'xmlns' && !a.namespaceURI) {
        throw new SamlCheckError(
          'saml:xml',
          `The attribute ${shown(a.name)} uses an undeclared namespace prefix.`,
        );
      }
      if (a.localName !== null && ID_ATTRIBUTE_NAMES.has(a.localName)) {
        // xml-crypto finds `#x` by any attribute whose local name is ID/Id/id: a second one is a wrapping attempt.
        if (ids.has(a.value)) {
          throw new SamlCheckError(
            'saml:duplicate-id',
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
        'saml:structure',
        `The Response contains an unexpected <${shown(child.nodeName)}> element.`,
      );
    }
    if (seen.has(entry[1])) {
      throw new SamlCheckError('saml:structure', `The Response contains more than one ${entry[1]} element.`);
    }
    seen.add(entry[1]);
  }
  if (hasDirectText(response)) {
    throw new SamlCheckError('saml:structure', 'The Response contains unexpected text.');
  }
}

/** SAML Core §3.2.2.2: the top-level StatusCode must be Success; otherwise report the codes the IdP sent. */
function checkStatus(response: XmlElement): void {
  const statuses = children(response, NS.protocol, 'Status');
  const status = statuses[0];
  const code = status === undefined ? undefined : children(status, NS.protocol, 'StatusCode')[0];
  if (statuses.length !== 1 || code === undefined) {
    throw new SamlCheckError('saml:status', 'The SAML response has no Status.');
  }
  const value = attr(code, 'Value') ?? '';
  if (value !== STATUS_SUCCESS) {
    const sub = children(code, NS.protocol, 'StatusCode')[0];
    const subValue = sub === undefined ? null : attr(sub, 'Value');
    throw new SamlCheckError(
      'saml:status',
      `The IdP answered with status ${shortUrn(value)}${subValue ? ` / ${shortUrn(subValue)}` : ''} instead of Success.`,
    );
  }
}

function shortUrn(value: string): string {
  const clean = value.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
  return clean.startsWith('urn:oasis:names:tc:SAML:2.0:status:') ? clean.slice(35) : `"${clean}"`;
}

/** Parses the canonical signed XML and checks it is the element that was expected to be signed. */
function reparseSigned(canon: string, ns: string, localName: string, id: string | null): XmlElement {
  const root = parseStrict(canon).documentElement as XmlElement;
  if (!is(root, ns, localName) || attr(root, 'ID') !== id) {
    throw new SamlCheckError('saml:structure', `The signed element is not the ${localName} that was posted.`);
  }
  return root;
}

/** SAML Core §2.2.5; Profiles §4.1.4.2: an Issuer's Format is omitted or `entity`. */
function checkIssuer(issuer: XmlElement, settings: SamlProviderSettings, where: string): string {
  const format = attr(issuer, 'Format');
  if (format !== null && format !== NAMEID_ENTITY) {
    throw new SamlCheckError(
      'saml:issuer',
      `The ${where} Issuer has the format "${shown(format)}", not an entity id.`,
    );
  }
  const value = textContent(issuer).trim();
  if (settings.samlIdpEntityId !== null && value !== settings.samlIdpEntityId) {
    throw new SamlCheckError(
      'saml:issuer',
      `The ${where} was issued by "${shown(value)}", not by the configured IdP entity id "${settings.samlIdpEntityId}".`,
    );
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------------
// The assertion

const ASSERTION_CHILDREN: Array<[string, string]> = [
  [NS.assertion, 'Issuer'],
  [NS.dsig, 'Signature'],
  [NS.assertion, 'Subject'],
  [NS.assertion, 'Conditions'],
  [NS.assertion, 'Advice'],
  [NS.assertion, 'AuthnStatement'],
  [NS.assertion, 'AttributeStatement'],
  [NS.assertion, 'AuthzDecisionStatement'],
];

function readAssertion(
  assertion: XmlElement,
  settings: SamlProviderSettings,
  input: VerifyInput,
  skewMs: number,
): { assertion: SamlAssertion; nameIdFormat: string | null } {
  const now = input.now.getTime();
  for (const child of childElements(assertion)) {
    if (!ASSERTION_CHILDREN.some(([ns, name]) => is(child, ns, name))) {
      throw new SamlCheckError(
        'saml:structure',
        `The Assertion contains an unexpected <${shown(child.nodeName)}> element.`,
      );
    }
  }
  if (attr(assertion, 'Version') !== '2.0') {
    throw new SamlCheckError('saml:version', 'The Assertion is not SAML version 2.0.');
  }
  const assertionId = attr(assertion, 'ID') ?? '';
  if (assertionId === '') throw new SamlCheckError('saml:structure', 'The Assertion has no ID.');

  const issuers = children(assertion, NS.assertion, 'Issuer');
  if (issuers.length !== 1 || childElements(assertion)[0] !== issuers[0]) {
    throw new SamlCheckError('saml:issuer', 'The Assertion must start with exactly one Issuer.');
  }
  const issuer = checkIssuer(issuers[0] as XmlElement, settings, 'Assertion');

  // Subject (SAML Core §2.4.1): exactly one plain NameID; BaseID / EncryptedID are not supported.
  const subjects = children(assertion, NS.assertion, 'Subject');
  if (subjects.length !== 1) {
    throw new SamlCheckError('saml:subject', 'The Assertion must contain exactly one Subject.');
  }
  const subject = subjects[0] as XmlElement;
  for (const child of childElements(subject)) {
    if (!is(child, NS.assertion, 'NameID') && !is(child, NS.assertion, 'SubjectConfirmation')) {
      throw new SamlCheckError(
        'saml:subject',
        `The Subject identifies the user with <${shown(child.nodeName)}>; only a plain NameID is supported.`,
      );
    }
  }
  const nameIds = children(subject, NS.assertion, 'NameID');
  if (nameIds.length !== 1) {
    throw new SamlCheckError('saml:subject', 'The Subject must contain exactly one NameID.');
  }
  const nameIdElement = nameIds[0] as XmlElement;
  if (childElements(nameIdElement).length > 0) {
    throw new SamlCheckError('saml:subject', 'The NameID contains markup.');
  }
  // All text nodes, never just the first: see textContent in saml-xml.ts.
  const nameId = textContent(nameIdElement);
  if (nameId.trim() === '') throw new SamlCheckError('saml:subject', 'The NameID is empty.');

  // Bearer subject confirmation (Profiles §4.1.4.2–4.1.4.3): Recipient, InResponseTo, NotOnOrAfter required.
  const bearers = children(subject, NS.assertion, 'SubjectConfirmation').filter(
    (sc) => attr(sc, 'Method') === CM_BEARER,
  );
  if (bearers.length === 0) {
    throw new SamlCheckError('saml:subject-confirmation', 'The Subject has no bearer SubjectConfirmation.');
  }
  let confirmed: { notOnOrAfter: number } | null = null;
  let firstFailure: SamlCheckError | null = null;
  for (const bearer of bearers) {
    try {
      confirmed = checkBearer(bearer, input, now, skewMs);
      break;
    } catch (error) {
      if (!(error instanceof SamlCheckError)) throw error;
      firstFailure ??= error;
    }
  }
  if (confirmed === null) throw firstFailure as SamlCheckError;

  // Conditions (SAML Core §2.5.1).
  const conditionsList = children(assertion, NS.assertion, 'Conditions');
  if (conditionsList.length !== 1) {
    throw new SamlCheckError(
      'saml:audience',
      'The Assertion has no Conditions, so no AudienceRestriction; it must be restricted to this service provider.',
    );
  }
  const conditions = conditionsList[0] as XmlElement;
  const notBefore = readTime(conditions, 'NotBefore', 'Conditions');
  if (notBefore !== null && now < notBefore - skewMs) {
    throw new SamlCheckError(
      'saml:not-yet-valid',
      `The Assertion is not valid before ${new Date(notBefore).toISOString()} (Conditions NotBefore; now ${input.now.toISOString()}).`,
    );
  }
  const conditionsNotOnOrAfter = readTime(conditions, 'NotOnOrAfter', 'Conditions');
  if (conditionsNotOnOrAfter !== null && now >= conditionsNotOnOrAfter + skewMs) {
    throw new SamlCheckError(
      'saml:expired',
      `The Assertion expired at ${new Date(conditionsNotOnOrAfter).toISOString()} (Conditions NotOnOrAfter; now ${input.now.toISOString()}).`,
    );
  }
  checkAudience(conditions, settings.samlClientId);

  const attributesRead = readAttributes(assertion);

  // The replay cache must keep the id for as long as this function would accept the assertion again.
  const earliest = Math.min(confirmed.notOnOrAfter, conditionsNotOnOrAfter ?? Number.POSITIVE_INFINITY);
  return {
    assertion: {
      assertionId,
      issuer,
      nameId,
      attributes: attributesRead,
      inResponseTo: input.expectedRequestId,
      notOnOrAfter: new Date(earliest + skewMs),
    },
    nameIdFormat: attr(nameIdElement, 'Format'),
  };
}

function checkBearer(
  confirmation: XmlElement,
  input: VerifyInput,
  now: number,
  skewMs: number,
): { notOnOrAfter: number } {
  const data = children(confirmation, NS.assertion, 'SubjectConfirmationData');
  if (data.length !== 1) {
    throw new SamlCheckError(
      'saml:recipient',
      'The bearer SubjectConfirmation has no SubjectConfirmationData, so no Recipient.',
    );
  }
  const scd = data[0] as XmlElement;
  const recipient = attr(scd, 'Recipient');
  if (recipient === null) {
    throw new SamlCheckError('saml:recipient', 'The bearer SubjectConfirmationData has no Recipient.');
  }
  if (recipient !== input.acsUrl) {
    throw new SamlCheckError(
      'saml:recipient',
      `The assertion's Recipient "${shown(recipient)}" is not this service's ACS URL "${input.acsUrl}".`,
    );
  }
  const inResponseTo = attr(scd, 'InResponseTo');
  if (inResponseTo === null) {
    throw new SamlCheckError(
      'saml:in-response-to',
      'The assertion has no InResponseTo: IdP-initiated (unsolicited) logins are not accepted; start the login from this service.',
    );
  }
  if (inResponseTo !== input.expectedRequestId) {
    throw new SamlCheckError(
      'saml:in-response-to',
      "The assertion answers another authentication request than this login's (InResponseTo differs).",
    );
  }
  const notBefore = readTime(scd, 'NotBefore', 'SubjectConfirmationData');
  if (notBefore !== null && now < notBefore - skewMs) {
    throw new SamlCheckError(
      'saml:not-yet-valid',
      `The subject confirmation is not valid before ${new Date(notBefore).toISOString()} (now ${input.now.toISOString()}).`,
    );
  }
  const notOnOrAfter = readTime(scd, 'NotOnOrAfter', 'SubjectConfirmationData');
  if (notOnOrAfter === null) {
    throw new SamlCheckError('saml:expired', 'The bearer SubjectConfirmationData has no NotOnOrAfter.');
  }
  if (now >= notOnOrAfter + skewMs) {
    throw new SamlCheckError(
      'saml:expired',
      `The subject confirmation expired at ${new Date(notOnOrAfter).toISOString()} (SubjectConfirmationData NotOnOrAfter; now ${input.now.toISOString()}).`,
    );
  }
  return { notOnOrAfter };
}

/**
 * SAML Core §2.5.1.4: every AudienceRestriction must be satisfied, and one is satisfied when any of its Audience
 * values is ours. Profiles §4.1.4.2 requires at least one. Unknown conditions make the assertion Indeterminate
 * (§2.5.1), so they are refused.
 */
function checkAudience(conditions: XmlElement, entityId: string): void {
  for (const child of childElements(conditions)) {
    const known =
      is(child, NS.assertion, 'AudienceRestriction') ||
      is(child, NS.assertion, 'OneTimeUse') ||
      is(child, NS.assertion, 'ProxyRestriction');
    if (!known) {
      throw new SamlCheckError(
        'saml:conditions',
        `The Assertion has a condition this service does not understand: <${shown(child.nodeName)}>.`,
      );
    }
  }
  const restrictions = children(conditions, NS.assertion, 'AudienceRestriction');
  if (restrictions.length === 0) {
    throw new SamlCheckError(
      'saml:audience',
      'The Assertion has no AudienceRestriction; it must be restricted to this service provider.',
    );
  }
  for (const restriction of restrictions) {
    const audiences = children(restriction, NS.assertion, 'Audience').map((a) => textContent(a).trim());
    if (!audiences.includes(entityId)) {
      throw new SamlCheckError(
        'saml:audience',
        `The Assertion is meant for ${audiences.map((a) => `"${shown(a)}"`).join(', ') || 'no audience'}, not for this service provider "${entityId}".`,
      );
    }
  }
}

/** AttributeStatement/Attribute values by Name (SAML Core §2.7.3); several statements or repeats are merged. */
function readAttributes(assertion: XmlElement): Record<string, string[]> {
  const values = new Map<string, string[]>();
  for (const statement of children(assertion, NS.assertion, 'AttributeStatement')) {
    for (const attribute of children(statement, NS.assertion, 'Attribute')) {
      const name = attr(attribute, 'Name');
      if (name === null || name === '') continue;
      const list = values.get(name) ?? [];
      for (const value of children(attribute, NS.assertion, 'AttributeValue')) {
        if (attrNS(value, NS.xsi, 'nil') === 'true') continue;
        list.push(textContent(value));
      }
      values.set(name, list);
    }
  }
  return Object.fromEntries(values);
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** SAML Core §1.3.3 xs:dateTime (UTC expected; an explicit offset is honoured). Null when absent. */
function readTime(element: XmlElement, name: string, where: string): number | null {
  const raw = attr(element, name);
  if (raw === null) return null;
  const match = DATE_TIME.exec(raw.trim());
  const millis = match === null ? Number.NaN : Date.parse(raw.trim().replace(/(\.\d{3})\d+/, '$1'));
  if (Number.isNaN(millis)) {
    throw new SamlCheckError(
      'saml:time',
      `${where} ${name} "${shown(raw.slice(0, 40))}" is not a valid date-time.`,
    );
  }
  return millis;
}

// ---------------------------------------------------------------------------------------------------------
// peekInResponseTo

/**
 * Best-effort, untrusted: the Response's InResponseTo, else the first SubjectConfirmationData's (some IdPs
 * only set the latter). Used only to find the flow; `verify` checks everything against that flow.
 */
function peekInResponseTo(samlResponse: string, maxBytes: number): string | null {
  try {
    const xml = decodeBase64Xml(samlResponse, maxBytes);
    refuseMarkupDeclarations(xml);
    const root = parseStrict(xml).documentElement as XmlElement;
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

// ---------------------------------------------------------------------------------------------------------
// start: AuthnRequest on the HTTP-Redirect binding (SAML Core §3.4.1, Bindings §3.4.4.1)

function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

export function newRequestId(): string {
  // SAML Core §1.3.4: IDs are xs:ID (an NCName, so not starting with a digit) with at least 128 bits of randomness.
  return `_${randomBytes(16).toString('hex')}`;
}

function buildRedirectRequest(
  provider: ProviderRecord<SamlProviderSettings>,
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
  if (spKey !== null) {
    // Bindings §3.4.4.1: sign the octets "SAMLRequest=…&RelayState=…&SigAlg=…" exactly as they appear in the URL.
    const { sigAlg, hash, dsaEncoding } = redirectSignature(spKey.key);
    query += `&SigAlg=${encodeURIComponent(sigAlg)}`;
    const signature = sign(hash, Buffer.from(query, 'utf8'), {
      key: spKey.key,
      ...(dsaEncoding ? { dsaEncoding } : {}),
    });
    query += `&Signature=${encodeURIComponent(signature.toString('base64'))}`;
  }
  return { url: `${endpoint}${endpoint.includes('?') ? '&' : '?'}${query}`, requestId };
}

/** The SP signing key by the one reader Add also uses; unusable stored keys become a clear refusal. */
function readSpKey(provider: ProviderRecord<SamlProviderSettings>): SpSigningKey | null {
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
    {
      step: 'start',
    },
  );
}

// ---------------------------------------------------------------------------------------------------------
// metadata (SAML Metadata §2.3.2, §2.4.4)

function buildMetadata(
  provider: ProviderRecord<SamlProviderSettings>,
  acsUrl: string,
  logger: SamlLogger,
): string {
  const signs = provider.secrets.spSigningKey !== null && provider.secrets.spSigningKey.trim() !== '';
  let certificate: string | null = null;
  if (signs) {
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
  }
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
    `<md:NameIDFormat>${NAMEID_UNSPECIFIED}</md:NameIDFormat>` +
    `<md:AssertionConsumerService Binding="${BINDING_POST}" Location="${escapeXml(acsUrl)}" index="0" isDefault="true"/>` +
    `</md:SPSSODescriptor>` +
    `</md:EntityDescriptor>`
  );
}
