// A real SAML 2.0 identity provider for tests, built in-process with samlify: it parses and checks the
// AuthnRequest our SP sends on the HTTP-Redirect binding (optionally schema-validated with xmllint-wasm and,
// when the SP metadata says so, with its redirect signature verified), then answers with a signed Response
// for the HTTP-POST binding (SAML Profiles §4.1.4). Every value of the Response can be overridden (or dropped
// with null) so a test can make the IdP sign an expired, mis-addressed or failed answer.
//
// `signXml` is an independent signer (xml-crypto plus node:crypto, not the code under test) for shapes
// samlify cannot make: ECDSA, SHA-1 digests, odd transforms. The edit helpers at the end craft hostile
// documents from signed ones without re-signing them.
//
// samlify, xml-crypto and xmldom are loaded with createRequire and typed locally: their .d.ts files pull
// `lib.dom` into the whole program, and samlify needs createRequire anyway.

import {
  createHash,
  createPrivateKey,
  sign as cryptoSign,
  verify as cryptoVerify,
  X509Certificate,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------------------
// samlify, typed locally (only what this file uses)

interface SamlifyEntity {
  getMetadata(): string;
}
interface ParsedLoginRequest {
  samlContent: string;
  sigAlg: string | null;
  extract: {
    request: {
      id: string;
      issueInstant?: string;
      destination?: string;
      assertionConsumerServiceUrl?: string;
    };
    issuer: string;
    nameIDPolicy?: { format?: string; allowCreate?: string };
  };
}
interface SamlifyIdp extends SamlifyEntity {
  parseLoginRequest(
    sp: SamlifyEntity,
    binding: 'redirect',
    request: { query: Record<string, string>; octetString: string },
  ): Promise<ParsedLoginRequest>;
  createLoginResponse(
    sp: SamlifyEntity,
    requestInfo: ParsedLoginRequest,
    binding: 'post',
    user: Record<string, unknown>,
    customTagReplacement: (template: string) => { id: string; context: string },
  ): Promise<{ id: string; context: string }>;
}
interface SamlifyModule {
  IdentityProvider(settings: Record<string, unknown>): SamlifyIdp;
  ServiceProvider(settings: Record<string, unknown>): SamlifyEntity;
  setSchemaValidator(validator: { validate: (xml: string) => Promise<unknown> }): void;
  SamlLib: { replaceTagsByValue(xml: string, tags: Record<string, string | null | undefined>): string };
}
const samlify = require('samlify') as SamlifyModule;
const xmllintValidator = require('@authenio/samlify-xmllint-wasm') as {
  validate: (xml: string) => Promise<unknown>;
};
const skipValidator = { validate: async () => 'skipped' };

export const URN = {
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  success: 'urn:oasis:names:tc:SAML:2.0:status:Success',
  responder: 'urn:oasis:names:tc:SAML:2.0:status:Responder',
  authnFailed: 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed',
  unspecified: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
  bearer: 'urn:oasis:names:tc:SAML:2.0:cm:bearer',
} as const;

export const SIG = {
  rsaSha1: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  rsaSha512: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
  ecdsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256',
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha512: 'http://www.w3.org/2001/04/xmlenc#sha512',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  c14n: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
} as const;

// The login response: samlify's default template with the two InResponseTo split, so a test can make them
// differ, and the statements spliced in raw after the tag replacement (which escapes values).
const RESPONSE_TEMPLATE =
  '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{ID}" Version="2.0" IssueInstant="{IssueInstant}" Destination="{Destination}" InResponseTo="{ResponseInResponseTo}">' +
  '<saml:Issuer>{ResponseIssuer}</saml:Issuer>' +
  '<samlp:Status><samlp:StatusCode Value="{StatusCode}"/></samlp:Status>' +
  '<saml:Assertion xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" ID="{AssertionID}" Version="2.0" IssueInstant="{IssueInstant}">' +
  '<saml:Issuer>{AssertionIssuer}</saml:Issuer>' +
  '<saml:Subject><saml:NameID Format="{NameIDFormat}">{NameID}</saml:NameID>' +
  '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">' +
  '<saml:SubjectConfirmationData NotOnOrAfter="{SubjectNotOnOrAfter}" Recipient="{Recipient}" InResponseTo="{SubjectInResponseTo}"/>' +
  '</saml:SubjectConfirmation></saml:Subject>' +
  '<saml:Conditions NotBefore="{ConditionsNotBefore}" NotOnOrAfter="{ConditionsNotOnOrAfter}">' +
  '<saml:AudienceRestriction><saml:Audience>{Audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>' +
  '@@AUTHN@@@@ATTRIBUTES@@' +
  '</saml:Assertion></samlp:Response>';

export interface SamlUser {
  nameId: string;
  attributes?: Record<string, string[]>;
  /** The AuthnStatement's SessionIndex (default `_s1`). */
  sessionIndex?: string;
}

/** Values of the generated Response; `null` drops the attribute (or element). Times are ISO strings. */
export interface ResponseValues {
  responseId: string;
  assertionId: string;
  issueInstant: string;
  destination: string | null;
  responseInResponseTo: string | null;
  subjectInResponseTo: string | null;
  responseIssuer: string | null;
  assertionIssuer: string;
  statusCode: string;
  nameIdFormat: string;
  subjectNotOnOrAfter: string | null;
  recipient: string | null;
  conditionsNotBefore: string | null;
  conditionsNotOnOrAfter: string | null;
  audience: string;
}

export interface SamlIdpOptions {
  entityId: string;
  privateKeyPem: string;
  certPem: string;
  /** Sign the Response (default true). */
  signResponse?: boolean;
  /** Sign the Assertion (default false). */
  signAssertion?: boolean;
  /** samlify's signature algorithm URI (default RSA-SHA256; SHA-1 for the refusal test). */
  sigAlg?: string;
  /** SP metadata XML the IdP is configured with; when it says AuthnRequestsSigned, requests must be signed. */
  spMetadata?: string;
  /** Validate AuthnRequests against the SAML protocol XSD with xmllint-wasm (~160 ms per request). */
  validateSchema?: boolean;
  /** The IdP's clock (default: the system clock). */
  now?: () => Date;
  /** Lifetime of assertions in seconds (default 300). */
  lifetimeSeconds?: number;
  /**
   * One Attribute element per value, repeating the Name (Keycloak's role list with "Single Role Attribute"
   * off), instead of one Attribute with every value (default).
   */
  attributePerValue?: boolean;
}

export interface ParsedAuthnRequest {
  id: string;
  issuer: string;
  acsUrl: string;
  destination: string | null;
  relayState: string | null;
  xml: string;
  sigAlg: string | null;
}

export interface IdpAnswer {
  /** The base64 form field, as the browser would POST it. */
  samlResponse: string;
  /** The signed XML. */
  xml: string;
  relayState: string | null;
  request: ParsedAuthnRequest;
  values: ResponseValues;
}

export interface SamlIdp {
  entityId: string;
  /** The IdP signing certificate as samlCertificate wants it: base64 DER, no armour, no white space. */
  certificateBase64: string;
  metadata: string;
  parseRequest(authnRequestUrl: string): Promise<ParsedAuthnRequest>;
  respond(authnRequestUrl: string, user: SamlUser, overrides?: Partial<ResponseValues>): Promise<IdpAnswer>;
  /** Single logout on the Redirect binding (SAML Profiles §4.4), signed with this IdP's key. */
  slo: SamlIdpSlo;
}

export function pemToBase64Der(pem: string): string {
  return new X509Certificate(pem).raw.toString('base64');
}

export function createSamlIdp(options: SamlIdpOptions): SamlIdp {
  const signResponse = options.signResponse ?? true;
  const signAssertion = options.signAssertion ?? false;
  const now = options.now ?? (() => new Date());
  const lifetimeMs = (options.lifetimeSeconds ?? 300) * 1000;
  const idp = samlify.IdentityProvider({
    entityID: options.entityId,
    privateKey: options.privateKeyPem,
    signingCert: options.certPem,
    isAssertionEncrypted: false,
    wantAuthnRequestsSigned: options.spMetadata?.includes('AuthnRequestsSigned="true"') ?? false,
    requestSignatureAlgorithm: options.sigAlg ?? SIG.rsaSha256,
    singleSignOnService: [{ Binding: URN.redirect, Location: 'https://idp.example.test/sso' }],
    singleLogoutService: [{ Binding: URN.redirect, Location: 'https://idp.example.test/slo' }],
    nameIDFormat: [URN.unspecified],
  });

  async function parseRequest(authnRequestUrl: string): Promise<ParsedAuthnRequest> {
    const url = new URL(authnRequestUrl);
    const samlRequest = url.searchParams.get('SAMLRequest');
    if (samlRequest === null) throw new Error('no SAMLRequest in the URL');
    const query: Record<string, string> = { SAMLRequest: samlRequest };
    for (const name of ['RelayState', 'SigAlg', 'Signature']) {
      const value = url.searchParams.get(name);
      if (value !== null) query[name] = value;
    }
    // Bindings §3.4.4.1: the signed octets are the raw (still URL-encoded) parameters, in this order.
    const raw = new Map(
      url.search
        .slice(1)
        .split('&')
        .map((pair) => [pair.slice(0, pair.indexOf('=')), pair] as const),
    );
    const octetString = ['SAMLRequest', 'RelayState', 'SigAlg']
      .map((name) => raw.get(name))
      .filter((pair): pair is string => pair !== undefined)
      .join('&');
    const xml = inflateRawSync(Buffer.from(samlRequest, 'base64')).toString('utf8');
    const issuer = /<(?:\w+:)?Issuer[^>]*>([^<]*)</.exec(xml)?.[1] ?? '';
    const acsUrl = /AssertionConsumerServiceURL="([^"]*)"/.exec(xml)?.[1] ?? '';
    const sp =
      options.spMetadata !== undefined
        ? samlify.ServiceProvider({ metadata: options.spMetadata })
        : samlify.ServiceProvider({
            entityID: issuer,
            assertionConsumerService: [{ Binding: URN.post, Location: acsUrl }],
          });
    samlify.setSchemaValidator(options.validateSchema === true ? xmllintValidator : skipValidator);
    const parsed = await idp.parseLoginRequest(sp, 'redirect', { query, octetString });
    return {
      id: parsed.extract.request.id,
      issuer: parsed.extract.issuer,
      acsUrl: parsed.extract.request.assertionConsumerServiceUrl ?? acsUrl,
      destination: parsed.extract.request.destination ?? null,
      relayState: query['RelayState'] ?? null,
      xml: parsed.samlContent,
      sigAlg: parsed.sigAlg,
    };
  }

  async function respond(
    authnRequestUrl: string,
    user: SamlUser,
    overrides: Partial<ResponseValues> = {},
  ): Promise<IdpAnswer> {
    const request = await parseRequest(authnRequestUrl);
    const issued = now();
    const later = new Date(issued.getTime() + lifetimeMs).toISOString();
    const values: ResponseValues = {
      responseId: `_r${createHash('sha256').update(`${request.id}:${Math.random()}`).digest('hex').slice(0, 32)}`,
      assertionId: `_a${createHash('sha256').update(`${request.id}:${Math.random()}`).digest('hex').slice(0, 32)}`,
      issueInstant: issued.toISOString(),
      destination: request.acsUrl,
      responseInResponseTo: request.id,
      subjectInResponseTo: request.id,
      responseIssuer: options.entityId,
      assertionIssuer: options.entityId,
      statusCode: URN.success,
      nameIdFormat: URN.unspecified,
      subjectNotOnOrAfter: later,
      recipient: request.acsUrl,
      conditionsNotBefore: issued.toISOString(),
      conditionsNotOnOrAfter: later,
      audience: request.issuer,
      ...overrides,
    };
    const responseSp = samlify.ServiceProvider({
      entityID: request.issuer,
      assertionConsumerService: [{ Binding: URN.post, Location: request.acsUrl }],
      wantAssertionsSigned: signAssertion,
      wantMessageSigned: signResponse,
    });
    const replace = (): { id: string; context: string } => {
      let context = samlify.SamlLib.replaceTagsByValue(RESPONSE_TEMPLATE, {
        ID: values.responseId,
        AssertionID: values.assertionId,
        IssueInstant: values.issueInstant,
        Destination: values.destination,
        ResponseInResponseTo: values.responseInResponseTo,
        SubjectInResponseTo: values.subjectInResponseTo,
        ResponseIssuer: values.responseIssuer,
        AssertionIssuer: values.assertionIssuer,
        StatusCode: values.statusCode,
        NameIDFormat: values.nameIdFormat,
        NameID: user.nameId,
        SubjectNotOnOrAfter: values.subjectNotOnOrAfter,
        Recipient: values.recipient,
        ConditionsNotBefore: values.conditionsNotBefore,
        ConditionsNotOnOrAfter: values.conditionsNotOnOrAfter,
        Audience: values.audience,
      });
      context = context
        .replace('@@AUTHN@@', authnStatement(values.issueInstant, user.sessionIndex ?? '_s1'))
        .replace(
          '@@ATTRIBUTES@@',
          attributeStatement(user.attributes ?? {}, options.attributePerValue ?? false),
        );
      return { id: values.responseId, context };
    };
    samlify.setSchemaValidator(skipValidator);
    const requestInfo: ParsedLoginRequest = {
      samlContent: request.xml,
      sigAlg: request.sigAlg,
      extract: { request: { id: request.id }, issuer: request.issuer },
    };
    const made = await idp.createLoginResponse(responseSp, requestInfo, 'post', {}, replace);
    let xml = Buffer.from(made.context, 'base64').toString('utf8');
    if (!signResponse && !signAssertion) xml = stripSignatures(xml); // samlify always signs something
    return { samlResponse: encodeResponse(xml), xml, relayState: request.relayState, request, values };
  }

  return {
    entityId: options.entityId,
    certificateBase64: pemToBase64Der(options.certPem),
    metadata: idp.getMetadata(),
    parseRequest,
    respond,
    slo: createSlo(options),
  };
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function authnStatement(instant: string, sessionIndex: string): string {
  return (
    `<saml:AuthnStatement AuthnInstant="${instant}" SessionIndex="${escapeXml(sessionIndex)}"><saml:AuthnContext>` +
    '<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>' +
    '</saml:AuthnContext></saml:AuthnStatement>'
  );
}

function attributeStatement(attributes: Record<string, string[]>, perValue: boolean): string {
  const entries = Object.entries(attributes).flatMap(([name, values]): Array<[string, string[]]> =>
    perValue ? values.map((value) => [name, [value]]) : [[name, values]],
  );
  if (entries.length === 0) return '';
  const body = entries
    .map(
      ([name, values]) =>
        `<saml:Attribute Name="${escapeXml(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">` +
        values
          .map((v) => `<saml:AttributeValue xsi:type="xs:string">${escapeXml(v)}</saml:AttributeValue>`)
          .join('') +
        '</saml:Attribute>',
    )
    .join('');
  return `<saml:AttributeStatement>${body}</saml:AttributeStatement>`;
}

// ---------------------------------------------------------------------------------------------------------
// An independent XML signer (xml-crypto + node:crypto), for shapes samlify does not produce.

interface XmlCryptoSigner {
  SignatureAlgorithms: Record<string, unknown>;
  HashAlgorithms: Record<string, unknown>;
  addReference(reference: { xpath: string; transforms: string[]; digestAlgorithm: string }): void;
  computeSignature(
    xml: string,
    options: { prefix: string; location: { reference: string; action: 'after' } },
  ): void;
  getSignedXml(): string;
}
const xmlCrypto = require('xml-crypto') as {
  SignedXml: new (options: Record<string, unknown>) => XmlCryptoSigner;
};

class TestEcdsaSha256 {
  getSignature(signedInfo: string, privateKey: string): string {
    return cryptoSign('sha256', Buffer.from(signedInfo), {
      key: createPrivateKey(privateKey),
      dsaEncoding: 'ieee-p1363',
    }).toString('base64');
  }
  verifySignature(): boolean {
    throw new Error('signing only');
  }
  getAlgorithmName(): string {
    return SIG.ecdsaSha256;
  }
}

export interface SignXmlOptions {
  privateKeyPem: string;
  certPem: string;
  target: 'response' | 'assertion';
  sigAlg?: string;
  digestAlg?: string;
  transforms?: string[];
}

const TARGET_XPATH = {
  response: "/*[local-name(.)='Response']",
  assertion: "/*[local-name(.)='Response']/*[local-name(.)='Assertion']",
} as const;

/** Adds an enveloped signature on the Response or its Assertion, placed after its Issuer. */
export function signXml(xml: string, options: SignXmlOptions): string {
  const signer = new xmlCrypto.SignedXml({
    privateKey: options.privateKeyPem,
    publicCert: options.certPem,
    signatureAlgorithm: options.sigAlg ?? SIG.rsaSha256,
    canonicalizationAlgorithm: SIG.excC14n,
  });
  signer.SignatureAlgorithms[SIG.ecdsaSha256] = TestEcdsaSha256;
  const target = TARGET_XPATH[options.target];
  signer.addReference({
    xpath: target,
    transforms: options.transforms ?? [SIG.enveloped, SIG.excC14n],
    digestAlgorithm: options.digestAlg ?? SIG.sha256,
  });
  signer.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: `${target}/*[local-name(.)='Issuer']`, action: 'after' },
  });
  return signer.getSignedXml();
}

// ---------------------------------------------------------------------------------------------------------
// Editing helpers for hostile documents (string level, so every test shows exactly what it changes)

export function encodeResponse(xml: string): string {
  return Buffer.from(xml, 'utf8').toString('base64');
}

export function decodeResponse(samlResponse: string): string {
  return Buffer.from(samlResponse, 'base64').toString('utf8');
}

/** Removes every ds:Signature element. */
export function stripSignatures(xml: string): string {
  return xml.replace(/<ds:Signature[\s\S]*?<\/ds:Signature>/g, '');
}

/** The first `<saml:Assertion …>…</saml:Assertion>` (the test IdP never nests assertions). */
export function assertionOf(xml: string): string {
  const match = /<saml:Assertion[\s>][\s\S]*?<\/saml:Assertion>/.exec(xml);
  if (match === null) throw new Error('no assertion');
  return match[0];
}

/** A copy of the assertion with another ID and NameID, its signature removed: what an attacker forges. */
export function evilAssertion(
  signedXml: string,
  nameId: string,
  id = '_evil0000000000000000000000000000',
): string {
  return stripSignatures(assertionOf(signedXml))
    .replace(/ ID="[^"]*"/, ` ID="${id}"`)
    .replace(/(<saml:NameID[^>]*>)[^<]*(<\/saml:NameID>)/, `$1${nameId}$2`);
}

/** Replaces the first match of `pattern` and fails loudly when nothing matched (a test must change something). */
export function edit(xml: string, pattern: RegExp | string, replacement: string): string {
  const out = xml.replace(pattern, replacement);
  if (out === xml) throw new Error(`edit did not change the document: ${String(pattern)}`);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// SP metadata as samlify (an IdP configured with it) reads it

export interface SpMetadataView {
  entityId: string;
  acsUrl: string;
  authnRequestsSigned: boolean;
  wantAssertionsSigned: boolean;
  signingCertificate: string | null;
}

interface SamlifySpMetadata {
  getEntityID(): string;
  getAssertionConsumerService(binding: string): string | string[];
  isAuthnRequestSigned(): boolean;
  isWantAssertionsSigned(): boolean;
  getX509Certificate(use: string): string | string[] | null | undefined;
}

export function readSpMetadata(xml: string): SpMetadataView {
  const sp = samlify.ServiceProvider({ metadata: xml }) as SamlifyEntity & { entityMeta: SamlifySpMetadata };
  const meta = sp.entityMeta;
  const acs = meta.getAssertionConsumerService('post'); // samlify takes its short binding name here
  const cert = meta.getX509Certificate('signing');
  return {
    entityId: meta.getEntityID(),
    acsUrl: Array.isArray(acs) ? (acs[0] ?? '') : acs,
    authnRequestsSigned: meta.isAuthnRequestSigned(),
    wantAssertionsSigned: meta.isWantAssertionsSigned(),
    signingCertificate:
      cert === null || cert === undefined ? null : Array.isArray(cert) ? (cert[0] ?? null) : cert,
  };
}

/**
 * The test IdP with the key the service is configured to trust, and a rogue one that claims the same entity
 * id but signs with another key (test/fixtures/saml/README.md says how the keys were made).
 */
export function genuineAndRogueIdps(entityId = 'https://idp.example.test'): { idp: SamlIdp; rogue: SamlIdp } {
  const pem = (name: string): string =>
    readFileSync(new URL(`../fixtures/saml/${name}`, import.meta.url), 'utf8');
  return {
    idp: createSamlIdp({ entityId, privateKeyPem: pem('idp-key.pem'), certPem: pem('idp-cert.pem') }),
    rogue: createSamlIdp({
      entityId,
      privateKeyPem: pem('attacker-key.pem'),
      certPem: pem('attacker-cert.pem'),
    }),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Single logout (SAML Profiles §4.4) on the HTTP-Redirect binding (Bindings §3.4.4.1), with node:crypto
// only: the IdP's LogoutRequest and LogoutResponse, signed on the query string, and a reader of the SP's.

/** Values of the IdP's LogoutRequest; `null` drops the attribute or element. Times are ISO strings. */
export interface LogoutRequestValues {
  id: string;
  issueInstant: string;
  notOnOrAfter: string | null;
  destination: string | null;
  issuer: string | null;
  nameId: string;
  nameIdFormat: string | null;
  sessionIndex: string | null;
}

export interface RedirectOptions {
  /** Sign the query string (default true). */
  sign?: boolean;
  relayState?: string;
}

/** What the SP sent by redirect, decoded; `signatureValid` is null when it carried no signature. */
export interface ReadRedirect {
  param: 'SAMLRequest' | 'SAMLResponse';
  xml: string;
  relayState: string | null;
  sigAlg: string | null;
  signatureValid: boolean | null;
  /** An attribute of the root element, or null. */
  rootAttribute(name: string): string | null;
  /** The text of the first element of that local name, or null. */
  text(localName: string): string | null;
}

export interface SamlIdpSlo {
  /** The URL of `sloUrl` carrying this IdP's LogoutRequest; its ID is `values.id` (random by default). */
  logoutRequest(
    sloUrl: string,
    values: Partial<LogoutRequestValues> & { nameId: string },
    options?: RedirectOptions,
  ): { url: string; id: string };
  /** The URL of `sloUrl` carrying this IdP's LogoutResponse to `inResponseTo`. */
  logoutResponse(
    sloUrl: string,
    inResponseTo: string,
    values?: { status?: string; destination?: string | null; issuer?: string | null },
    options?: RedirectOptions,
  ): string;
  /** Reads a LogoutRequest or LogoutResponse the SP sent; the signature is checked with `spCertPem`. */
  read(url: string, spCertPem?: string): ReadRedirect;
}

function createSlo(options: SamlIdpOptions): SamlIdpSlo {
  const redirect = (sloUrl: string, param: string, xml: string, redirectOptions: RedirectOptions = {}) => {
    let query = `${param}=${encodeURIComponent(deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64'))}`;
    if (redirectOptions.relayState !== undefined) {
      query += `&RelayState=${encodeURIComponent(redirectOptions.relayState)}`;
    }
    if (redirectOptions.sign ?? true) {
      query += `&SigAlg=${encodeURIComponent(SIG.rsaSha256)}`;
      const signature = cryptoSign(
        'sha256',
        Buffer.from(query, 'utf8'),
        createPrivateKey(options.privateKeyPem),
      );
      query += `&Signature=${encodeURIComponent(signature.toString('base64'))}`;
    }
    return `${sloUrl}${sloUrl.includes('?') ? '&' : '?'}${query}`;
  };
  const attribute = (name: string, value: string | null): string =>
    value === null ? '' : ` ${name}="${escapeXml(value)}"`;
  return {
    logoutRequest(sloUrl, given, redirectOptions) {
      const now = new Date();
      const values: LogoutRequestValues = {
        id: `_lr${createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 32)}`,
        issueInstant: now.toISOString(),
        notOnOrAfter: new Date(now.getTime() + 300_000).toISOString(),
        destination: sloUrl,
        issuer: options.entityId,
        nameIdFormat: URN.unspecified,
        sessionIndex: null,
        ...given,
      };
      const xml =
        `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"` +
        `${attribute('ID', values.id)} Version="2.0"${attribute('IssueInstant', values.issueInstant)}` +
        `${attribute('Destination', values.destination)}${attribute('NotOnOrAfter', values.notOnOrAfter)}>` +
        (values.issuer === null ? '' : `<saml:Issuer>${escapeXml(values.issuer)}</saml:Issuer>`) +
        `<saml:NameID${attribute('Format', values.nameIdFormat)}>${escapeXml(values.nameId)}</saml:NameID>` +
        (values.sessionIndex === null
          ? ''
          : `<samlp:SessionIndex>${escapeXml(values.sessionIndex)}</samlp:SessionIndex>`) +
        '</samlp:LogoutRequest>';
      return { url: redirect(sloUrl, 'SAMLRequest', xml, redirectOptions), id: values.id };
    },
    logoutResponse(sloUrl, inResponseTo, values = {}, redirectOptions) {
      const xml =
        `<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"` +
        ` ID="_lp${createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 32)}" Version="2.0"` +
        ` IssueInstant="${new Date().toISOString()}"${attribute('Destination', values.destination === undefined ? sloUrl : values.destination)}` +
        ` InResponseTo="${escapeXml(inResponseTo)}">` +
        (values.issuer === null
          ? ''
          : `<saml:Issuer>${escapeXml(values.issuer ?? options.entityId)}</saml:Issuer>`) +
        `<samlp:Status><samlp:StatusCode Value="${values.status ?? URN.success}"/></samlp:Status>` +
        '</samlp:LogoutResponse>';
      return redirect(sloUrl, 'SAMLResponse', xml, redirectOptions);
    },
    read: readRedirect,
  };
}

function readRedirect(url: string, spCertPem?: string): ReadRedirect {
  const parsed = new URL(url);
  const param = parsed.searchParams.has('SAMLRequest') ? 'SAMLRequest' : 'SAMLResponse';
  const xml = inflateRawSync(Buffer.from(parsed.searchParams.get(param) ?? '', 'base64')).toString('utf8');
  const raw = new Map(
    parsed.search
      .slice(1)
      .split('&')
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair]),
  );
  const octets = [param, 'RelayState', 'SigAlg']
    .map((name) => raw.get(name))
    .filter((pair): pair is string => pair !== undefined)
    .join('&');
  const signature = parsed.searchParams.get('Signature');
  const signatureValid =
    signature === null || spCertPem === undefined
      ? null
      : cryptoVerify(
          'sha256',
          Buffer.from(octets),
          new X509Certificate(spCertPem).publicKey,
          Buffer.from(signature, 'base64'),
        );
  return {
    param,
    xml,
    relayState: parsed.searchParams.get('RelayState'),
    sigAlg: parsed.searchParams.get('SigAlg'),
    signatureValid,
    rootAttribute: (name) => new RegExp(`^<[^>]*\\s${name}="([^"]*)"`).exec(xml)?.[1] ?? null,
    text: (localName) => new RegExp(`<(?:\\w+:)?${localName}[^>]*>([^<]*)<`).exec(xml)?.[1] ?? null,
  };
}
