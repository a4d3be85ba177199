// The signed SAML Assertion of a Response (SAML Core §2.3.3–2.7; Profiles §4.1.4.2–4.1.4.3): its envelope,
// Subject and bearer confirmation, Conditions and audience, and the attributes read from it.

import type { SamlAssertion } from './engines.js';
import type { SamlProviderSettings } from '../sso/provider-settings.js';
import {
  NS,
  SamlCheckError,
  attr,
  attrNS,
  childElements,
  children,
  is,
  shown,
  textContent,
  type XmlElement,
} from './saml-xml.js';

const CM_BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const NAMEID_ENTITY = 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity';

/** What the caller expects of the answer: it must come to this ACS URL, for this login's request, now. */
export interface VerifyInput {
  samlResponse: string;
  acsUrl: string;
  expectedRequestId: string;
  now: Date;
}

/** The checked assertion, and its NameID format (for a warning about transient ids). */
export interface ReadAssertion {
  assertion: SamlAssertion;
  nameIdFormat: string | null;
}

/** Checks the signed Assertion against the provider, the login and the clock, and reads its identity. */
export function readAssertion(
  assertion: XmlElement,
  settings: SamlProviderSettings,
  input: VerifyInput,
  skewMs: number,
): ReadAssertion {
  const { assertionId, issuer } = checkAssertionEnvelope(assertion, settings);
  const { subject, nameIdElement, nameId } = readSubject(assertion);
  const confirmed = confirmBearer(subject, input, skewMs);
  const conditionsNotOnOrAfter = checkConditions(assertion, settings, input, skewMs);
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
      nameIdFormat: attr(nameIdElement, 'Format'),
      sessionIndex: sessionIndexOf(assertion),
    },
    nameIdFormat: attr(nameIdElement, 'Format'),
  };
}

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

/** SAML Core §2.3.3: known children only, Version 2.0, an ID, and exactly one leading Issuer. */
function checkAssertionEnvelope(
  assertion: XmlElement,
  settings: SamlProviderSettings,
): { assertionId: string; issuer: string } {
  for (const child of childElements(assertion)) {
    if (!ASSERTION_CHILDREN.some(([ns, name]) => is(child, ns, name))) {
      throw new SamlCheckError(
        'saml.structure',
        `The Assertion contains an unexpected <${shown(child.nodeName)}> element.`,
      );
    }
  }
  if (attr(assertion, 'Version') !== '2.0') {
    throw new SamlCheckError('saml.version', 'The Assertion is not SAML version 2.0.');
  }
  const assertionId = attr(assertion, 'ID') ?? '';
  if (assertionId === '') throw new SamlCheckError('saml.structure', 'The Assertion has no ID.');

  const issuers = children(assertion, NS.assertion, 'Issuer');
  if (issuers.length !== 1 || childElements(assertion)[0] !== issuers[0]) {
    throw new SamlCheckError('saml.issuer_missing', 'The Assertion must start with exactly one Issuer.');
  }
  const issuer = checkIssuer(issuers[0] as XmlElement, settings, 'Assertion');
  return { assertionId, issuer };
}

/** SAML Core §2.7.2: the first AuthnStatement's SessionIndex, which a logout names (Profiles §4.4.3.1). */
function sessionIndexOf(assertion: XmlElement): string | null {
  const statement = children(assertion, NS.assertion, 'AuthnStatement')[0];
  const index = statement === undefined ? null : attr(statement, 'SessionIndex');
  return index === null || index === '' ? null : index;
}

/** SAML Core §2.2.5; Profiles §4.1.4.2: an Issuer's Format is omitted or `entity`. */
export function checkIssuer(issuer: XmlElement, settings: SamlProviderSettings, where: string): string {
  const format = attr(issuer, 'Format');
  if (format !== null && format !== NAMEID_ENTITY) {
    throw new SamlCheckError(
      'saml.issuer_format',
      `The ${where} Issuer has the format "${shown(format)}", not an entity id.`,
    );
  }
  const value = textContent(issuer).trim();
  if (settings.samlIdpEntityId !== null && value !== settings.samlIdpEntityId) {
    throw new SamlCheckError(
      'saml.issuer_mismatch',
      `The ${where} was issued by "${shown(value)}", not by the configured IdP entity id "${settings.samlIdpEntityId}".`,
    );
  }
  return value;
}

/** Subject (SAML Core §2.4.1): exactly one plain NameID; BaseID / EncryptedID are not supported. */
function readSubject(assertion: XmlElement): {
  subject: XmlElement;
  nameIdElement: XmlElement;
  nameId: string;
} {
  const subjects = children(assertion, NS.assertion, 'Subject');
  if (subjects.length !== 1) {
    throw new SamlCheckError('saml.subject_shape', 'The Assertion must contain exactly one Subject.');
  }
  const subject = subjects[0] as XmlElement;
  for (const child of childElements(subject)) {
    if (!is(child, NS.assertion, 'NameID') && !is(child, NS.assertion, 'SubjectConfirmation')) {
      throw new SamlCheckError(
        'saml.subject_shape',
        `The Subject identifies the user with <${shown(child.nodeName)}>; only a plain NameID is supported.`,
      );
    }
  }
  const nameIds = children(subject, NS.assertion, 'NameID');
  if (nameIds.length !== 1) {
    throw new SamlCheckError('saml.subject_shape', 'The Subject must contain exactly one NameID.');
  }
  const nameIdElement = nameIds[0] as XmlElement;
  if (childElements(nameIdElement).length > 0) {
    throw new SamlCheckError('saml.subject_shape', 'The NameID contains markup.');
  }
  // All text nodes, never just the first: see textContent in saml-xml.ts.
  const nameId = textContent(nameIdElement);
  if (nameId.trim() === '') throw new SamlCheckError('saml.subject_shape', 'The NameID is empty.');
  return { subject, nameIdElement, nameId };
}

/**
 * Bearer subject confirmation (Profiles §4.1.4.2–4.1.4.3): Recipient, InResponseTo, NotOnOrAfter required.
 * One bearer confirmation that passes is enough; when none does, the first one's failure is reported.
 */
function confirmBearer(subject: XmlElement, input: VerifyInput, skewMs: number): { notOnOrAfter: number } {
  const bearers = children(subject, NS.assertion, 'SubjectConfirmation').filter(
    (sc) => attr(sc, 'Method') === CM_BEARER,
  );
  if (bearers.length === 0) {
    throw new SamlCheckError(
      'saml.bearer_confirmation_missing',
      'The Subject has no bearer SubjectConfirmation.',
    );
  }
  let firstFailure: SamlCheckError | null = null;
  for (const bearer of bearers) {
    try {
      return checkBearer(bearer, input, input.now.getTime(), skewMs);
    } catch (error) {
      if (!(error instanceof SamlCheckError)) throw error;
      firstFailure ??= error;
    }
  }
  throw firstFailure as SamlCheckError; // bearers is not empty, so the loop set it
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
      'saml.recipient_missing',
      'The bearer SubjectConfirmation has no SubjectConfirmationData, so no Recipient.',
    );
  }
  const scd = data[0] as XmlElement;
  checkRecipientAndRequest(scd, input);
  const notBefore = readTime(scd, 'NotBefore', 'SubjectConfirmationData');
  if (notBefore !== null && now < notBefore - skewMs) {
    throw new SamlCheckError(
      'saml.not_yet_valid',
      `The subject confirmation is not valid before ${new Date(notBefore).toISOString()} (now ${input.now.toISOString()}).`,
    );
  }
  const notOnOrAfter = readTime(scd, 'NotOnOrAfter', 'SubjectConfirmationData');
  if (notOnOrAfter === null) {
    throw new SamlCheckError(
      'saml.confirmation_expiry_missing',
      'The bearer SubjectConfirmationData has no NotOnOrAfter.',
    );
  }
  if (now >= notOnOrAfter + skewMs) {
    throw new SamlCheckError(
      'saml.expired',
      `The subject confirmation expired at ${new Date(notOnOrAfter).toISOString()} (SubjectConfirmationData NotOnOrAfter; now ${input.now.toISOString()}).`,
    );
  }
  return { notOnOrAfter };
}

/** The confirmation names our ACS URL and answers this login's AuthnRequest (no unsolicited login). */
function checkRecipientAndRequest(scd: XmlElement, input: VerifyInput): void {
  const recipient = attr(scd, 'Recipient');
  if (recipient === null) {
    throw new SamlCheckError(
      'saml.recipient_missing',
      'The bearer SubjectConfirmationData has no Recipient.',
    );
  }
  if (recipient !== input.acsUrl) {
    throw new SamlCheckError(
      'saml.recipient_mismatch',
      `The assertion's Recipient "${shown(recipient)}" is not this service's ACS URL "${input.acsUrl}".`,
    );
  }
  const inResponseTo = attr(scd, 'InResponseTo');
  if (inResponseTo === null) {
    throw new SamlCheckError(
      'saml.idp_initiated',
      'The assertion has no InResponseTo: IdP-initiated (unsolicited) logins are not accepted; start the login from this service.',
    );
  }
  if (inResponseTo !== input.expectedRequestId) {
    throw new SamlCheckError(
      'saml.in_response_to_mismatch',
      "The assertion answers another authentication request than this login's (InResponseTo differs).",
    );
  }
}

/** Conditions (SAML Core §2.5.1): the validity window and the audience. Returns NotOnOrAfter, if any. */
function checkConditions(
  assertion: XmlElement,
  settings: SamlProviderSettings,
  input: VerifyInput,
  skewMs: number,
): number | null {
  const now = input.now.getTime();
  const conditionsList = children(assertion, NS.assertion, 'Conditions');
  if (conditionsList.length !== 1) {
    throw new SamlCheckError(
      'saml.audience_restriction_missing',
      'The Assertion has no Conditions, so no AudienceRestriction; it must be restricted to this service provider.',
    );
  }
  const conditions = conditionsList[0] as XmlElement;
  const notBefore = readTime(conditions, 'NotBefore', 'Conditions');
  if (notBefore !== null && now < notBefore - skewMs) {
    throw new SamlCheckError(
      'saml.not_yet_valid',
      `The Assertion is not valid before ${new Date(notBefore).toISOString()} (Conditions NotBefore; now ${input.now.toISOString()}).`,
    );
  }
  const notOnOrAfter = readTime(conditions, 'NotOnOrAfter', 'Conditions');
  if (notOnOrAfter !== null && now >= notOnOrAfter + skewMs) {
    throw new SamlCheckError(
      'saml.expired',
      `The Assertion expired at ${new Date(notOnOrAfter).toISOString()} (Conditions NotOnOrAfter; now ${input.now.toISOString()}).`,
    );
  }
  checkAudience(conditions, settings.samlClientId);
  return notOnOrAfter;
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
        'saml.condition_unknown',
        `The Assertion has a condition this service does not understand: <${shown(child.nodeName)}>.`,
      );
    }
  }
  const restrictions = children(conditions, NS.assertion, 'AudienceRestriction');
  if (restrictions.length === 0) {
    throw new SamlCheckError(
      'saml.audience_restriction_missing',
      'The Assertion has no AudienceRestriction; it must be restricted to this service provider.',
    );
  }
  for (const restriction of restrictions) {
    const audiences = children(restriction, NS.assertion, 'Audience').map((a) => textContent(a).trim());
    if (!audiences.includes(entityId)) {
      throw new SamlCheckError(
        'saml.audience_mismatch',
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
export function readTime(element: XmlElement, name: string, where: string): number | null {
  const raw = attr(element, name);
  if (raw === null) return null;
  const match = DATE_TIME.exec(raw.trim());
  const millis = match === null ? Number.NaN : Date.parse(raw.trim().replace(/(\.\d{3})\d+/, '$1'));
  if (Number.isNaN(millis)) {
    throw new SamlCheckError(
      'saml.time_invalid',
      `${where} ${name} "${shown(raw.slice(0, 40))}" is not a valid date-time.`,
    );
  }
  return millis;
}
