// SAML single logout on the HTTP-Redirect binding (SAML Profiles §4.4, Bindings §3.4): the LogoutRequest
// this service sends (Core §3.7.1), the IdP's LogoutRequest and LogoutResponse read and verified, and the
// LogoutResponse this service answers with (Core §3.7.3). Parsing is saml-xml.ts's hardened reader; the
// redirect signatures are saml-redirect.ts's; refusals are SamlCheckErrors turned into SsoErrors by saml.ts.
import type { KeyObject } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';

import { samlSloUrl } from '../sso/endpoints.js';
import type { SamlProviderRecord } from '../sso/provider-settings.js';
import { SsoError } from '../sso/errors.js';
import type {
  SamlLogoutMessage,
  SamlLogoutProtocol,
  SamlLogoutReceived,
  SamlLogoutSession,
} from '../sso/saml-logout.js';
import { checkIssuer, readTime } from './saml-assertion.js';
import { samlRefusal } from './saml.js';
import { CertificateCache } from './saml-verify.js';
import { checkRedirectSignature, inflateMessage, type RedirectMessage } from './saml-redirect.js';
import { isoSeconds, newRequestId, readSpKey, signRedirectQuery } from './saml-request.js';
import {
  NS,
  SamlCheckError,
  attr,
  childElements,
  children,
  descendantElements,
  escapeXml,
  is,
  parseStrict,
  shown,
  textContent,
  type XmlElement,
} from './saml-xml.js';

const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const STATUS_RESPONDER = 'urn:oasis:names:tc:SAML:2.0:status:Responder';
const STATUS_PARTIAL = 'urn:oasis:names:tc:SAML:2.0:status:PartialLogout';
/** A LogoutRequest without NotOnOrAfter is held as fresh this long after its IssueInstant. */
const REQUEST_LIFETIME_MS = 5 * 60_000;

/** How a received message is checked: the IdP's key, our SLO URL, the clock and its tolerance. */
export interface LogoutContext {
  key: KeyObject;
  publicUrl: string;
  now: Date;
  skewMs: number;
}

/** Bindings §3.4.4.1: `SAMLRequest`/`SAMLResponse` deflated and signed with the SP key when there is one. */
function redirectUrl(
  provider: SamlProviderRecord,
  endpoint: string,
  param: 'SAMLRequest' | 'SAMLResponse',
  xml: string,
  relayState: string | undefined,
): string {
  let query = `${param}=${encodeURIComponent(deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64'))}`;
  if (relayState !== undefined && relayState !== '') query += `&RelayState=${encodeURIComponent(relayState)}`;
  const spKey = readSpKey(provider);
  if (spKey !== null) query = signRedirectQuery(query, spKey.key);
  return `${endpoint}${endpoint.includes('?') ? '&' : '?'}${query}`;
}

/** Core §3.7.1: a LogoutRequest for one session: NameID with its format, and its SessionIndex. */
export function buildLogoutRequest(
  provider: SamlProviderRecord,
  session: SamlLogoutSession,
  now: Date,
): { url: string; requestId: string } | null {
  const endpoint = provider.settings.samlSloEndpoint ?? null;
  if (endpoint === null) return null;
  const requestId = newRequestId();
  const format = session.nameIdFormat === null ? '' : ` Format="${escapeXml(session.nameIdFormat)}"`;
  const xml =
    `<samlp:LogoutRequest xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="${requestId}"` +
    ` Version="2.0" IssueInstant="${isoSeconds(now)}" Destination="${escapeXml(endpoint)}"` +
    ` NotOnOrAfter="${isoSeconds(new Date(now.getTime() + REQUEST_LIFETIME_MS))}">` +
    `<saml:Issuer>${escapeXml(provider.settings.samlClientId)}</saml:Issuer>` +
    `<saml:NameID${format}>${escapeXml(session.nameId)}</saml:NameID>` +
    (session.sessionIndex === null
      ? ''
      : `<samlp:SessionIndex>${escapeXml(session.sessionIndex)}</samlp:SessionIndex>`) +
    `</samlp:LogoutRequest>`;
  return { url: redirectUrl(provider, endpoint, 'SAMLRequest', xml, undefined), requestId };
}

/** Core §3.7.3 (StatusResponseType, §3.2.2): our answer to the IdP's LogoutRequest. */
export function buildLogoutResponse(
  provider: SamlProviderRecord,
  request: { id: string; relayState: string | undefined; success: boolean },
  now: Date,
): string | null {
  const endpoint = provider.settings.samlSloEndpoint ?? null;
  if (endpoint === null) return null;
  const status = request.success
    ? `<samlp:StatusCode Value="${STATUS_SUCCESS}"/>`
    : `<samlp:StatusCode Value="${STATUS_RESPONDER}"><samlp:StatusCode Value="${STATUS_PARTIAL}"/></samlp:StatusCode>`;
  const xml =
    `<samlp:LogoutResponse xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="${newRequestId()}"` +
    ` Version="2.0" IssueInstant="${isoSeconds(now)}" Destination="${escapeXml(endpoint)}"` +
    ` InResponseTo="${escapeXml(request.id)}">` +
    `<saml:Issuer>${escapeXml(provider.settings.samlClientId)}</saml:Issuer>` +
    `<samlp:Status>${status}</samlp:Status>` +
    `</samlp:LogoutResponse>`;
  return redirectUrl(provider, endpoint, 'SAMLResponse', xml, request.relayState);
}

/** Reads what came to the SLO endpoint: exactly one of SAMLRequest and SAMLResponse. */
export function readLogoutMessage(
  provider: SamlProviderRecord,
  message: SamlLogoutMessage,
  context: LogoutContext,
): SamlLogoutReceived {
  const { samlRequest, samlResponse } = message;
  if ((samlRequest === undefined) === (samlResponse === undefined)) {
    throw new SamlCheckError('saml.structure', 'Send exactly one of SAMLRequest and SAMLResponse.');
  }
  const redirect: RedirectMessage = {
    param: samlRequest === undefined ? 'SAMLResponse' : 'SAMLRequest',
    value: samlRequest ?? samlResponse ?? '',
    relayState: message.relayState,
    sigAlg: message.sigAlg,
    signature: message.signature,
    queryString: message.queryString,
  };
  return redirect.param === 'SAMLRequest'
    ? readLogoutRequest(provider, redirect, context)
    : readLogoutResponse(provider, redirect, context);
}

/**
 * Profiles §4.4.4.1: the IdP's LogoutRequest must be signed (here: on the query string, by the IdP's
 * certificate), addressed to this endpoint (Bindings §3.4.5.2), issued by the IdP, and not expired.
 */
function readLogoutRequest(
  provider: SamlProviderRecord,
  message: RedirectMessage,
  context: LogoutContext,
): SamlLogoutReceived {
  checkRedirectSignature(message, context.key, true);
  const root = parseRoot(inflateMessage(message.value), 'LogoutRequest');
  checkEnvelope(root, provider, context, true);
  const id = attr(root, 'ID') ?? '';
  const issued = readTime(root, 'IssueInstant', 'The LogoutRequest') ?? Number.NaN;
  const expiry = readTime(root, 'NotOnOrAfter', 'The LogoutRequest') ?? issued + REQUEST_LIFETIME_MS;
  if (context.now.getTime() >= expiry + context.skewMs) {
    throw new SamlCheckError('saml.expired', 'The LogoutRequest has expired (NotOnOrAfter).');
  }
  if (issued > context.now.getTime() + context.skewMs) {
    throw new SamlCheckError('saml.not_yet_valid', 'The LogoutRequest was issued in the future.');
  }
  return {
    kind: 'request',
    id,
    nameId: readNameId(root),
    sessionIndexes: children(root, NS.protocol, 'SessionIndex').map((el) => textContent(el).trim()),
    expiresAt: new Date(expiry + context.skewMs),
  };
}

/** Core §3.7.3: the answer to our LogoutRequest; its signature is verified when the IdP signs it. */
function readLogoutResponse(
  provider: SamlProviderRecord,
  message: RedirectMessage,
  context: LogoutContext,
): SamlLogoutReceived {
  const signed = checkRedirectSignature(message, context.key, false);
  const root = parseRoot(inflateMessage(message.value), 'LogoutResponse');
  checkEnvelope(root, provider, context, signed);
  const inResponseTo = attr(root, 'InResponseTo') ?? '';
  if (inResponseTo === '') {
    throw new SamlCheckError('saml.in_response_to_mismatch', 'The LogoutResponse has no InResponseTo.');
  }
  const code = children(root, NS.protocol, 'Status').flatMap((s) =>
    children(s, NS.protocol, 'StatusCode'),
  )[0];
  if (code === undefined)
    throw new SamlCheckError('saml.status_missing', 'The LogoutResponse has no Status.');
  const status = attr(code, 'Value') ?? '';
  return { kind: 'response', inResponseTo, success: status === STATUS_SUCCESS, status: shown(status) };
}

function parseRoot(xml: string, localName: 'LogoutRequest' | 'LogoutResponse'): XmlElement {
  const root = parseStrict(xml).documentElement as XmlElement; // parseStrict refuses a document without one
  if (!is(root, NS.protocol, localName)) {
    throw new SamlCheckError(
      'saml.structure',
      `The SAML message is a <${shown(root.nodeName)}>, not a ${localName}.`,
    );
  }
  if (descendantElements(root).some((el) => el.prefix !== null && !el.namespaceURI)) {
    throw new SamlCheckError('saml.xml', 'The SAML message uses an undeclared namespace prefix.');
  }
  return root;
}

/**
 * Core §3.2.1–3.2.2: Version 2.0 and an ID; the Destination, required when signed (Bindings §3.4.5.2), is
 * this endpoint; the Issuer, when present, is the IdP's (Core §2.2.5).
 */
function checkEnvelope(
  root: XmlElement,
  provider: SamlProviderRecord,
  context: LogoutContext,
  signed: boolean,
): void {
  if (attr(root, 'Version') !== '2.0')
    throw new SamlCheckError('saml.version', 'The message is not SAML 2.0.');
  if ((attr(root, 'ID') ?? '') === '') throw new SamlCheckError('saml.structure', 'The message has no ID.');
  const expected = samlSloUrl(context.publicUrl, provider);
  const destination = attr(root, 'Destination');
  if (destination === null && signed) {
    throw new SamlCheckError(
      'saml.destination_missing',
      `The signed message has no Destination (${expected}).`,
    );
  }
  if (destination !== null && destination !== expected) {
    throw new SamlCheckError(
      'saml.destination_mismatch',
      `The message's Destination "${shown(destination)}" is not this service's logout URL "${expected}".`,
    );
  }
  const issuers = children(root, NS.assertion, 'Issuer');
  if (issuers.length > 1) throw new SamlCheckError('saml.structure', 'The message has more than one Issuer.');
  if (issuers[0] !== undefined) checkIssuer(issuers[0], provider.settings, root.localName ?? 'message');
}

/** Core §3.7.1: the NameID of the principal (BaseID and EncryptedID are not supported). */
function readNameId(root: XmlElement): string {
  const identifiers = childElements(root).filter(
    (el) =>
      el.namespaceURI === NS.assertion && ['BaseID', 'NameID', 'EncryptedID'].includes(el.localName ?? ''),
  );
  const nameId = identifiers[0];
  if (identifiers.length !== 1 || nameId === undefined || !is(nameId, NS.assertion, 'NameID')) {
    throw new SamlCheckError(
      'saml.subject_shape',
      'The LogoutRequest must name the user with one plain NameID.',
    );
  }
  const value = textContent(nameId);
  if (value.trim() === '' || childElements(nameId).length > 0) {
    throw new SamlCheckError('saml.subject_shape', 'The LogoutRequest NameID is empty or contains markup.');
  }
  return value;
}

/** The `SamlLogoutProtocol` port: the functions above, with refusals as SsoErrors naming the rule. */
export function createSamlLogoutProtocol(options: {
  publicUrl: string;
  clockSkewSeconds?: number;
}): SamlLogoutProtocol {
  const certificates = new CertificateCache();
  const skewMs = (options.clockSkewSeconds ?? 120) * 1000;
  return {
    request: (provider, session, now) => settle(() => buildLogoutRequest(provider, session, now)),
    answer: (provider, request, now) => settle(() => buildLogoutResponse(provider, request, now)),
    receive: (provider, message, now) =>
      settle(() => {
        const key = certificates.get(provider.settings.samlCertificate);
        return readLogoutMessage(provider, message, { key, publicUrl: options.publicUrl, now, skewMs });
      }),
  };
}

/** A refused message is `idp_response_invalid` naming the rule; the port's methods are async. */
// eslint-disable-next-line @typescript-eslint/require-await -- async turns a throw into a rejection
async function settle<T>(work: () => T): Promise<T> {
  try {
    return work();
  } catch (error) {
    if (error instanceof SamlCheckError) throw samlRefusal(error);
    if (error instanceof SsoError) throw error;
    throw new SsoError('idp_response_invalid', 'The SAML logout message could not be processed.', {
      step: 'verify',
      reason: 'saml_response_rejected',
      cause: error,
    });
  }
}
