// Shared set-up for the SAML adapter tests (test/saml/*.test.ts): fixed clock, fixture keys, a SAML provider
// record, one full SP → IdP → SP round trip, re-signing of edited documents, and a refusal matcher that pins
// the machine sub-reason (`detail`) and the admin-readable message of the SsoError.

import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { expect } from 'vitest';

import { createSamlProtocol, type SamlProtocolOptions } from '../../src/protocols/saml.js';
import { SAML_RULES, type SamlRuleId } from '../../src/protocols/saml-rules.js';
import { SsoError } from '../../src/sso/errors.js';
import type { SamlAssertion, SamlProtocol } from '../../src/protocols/engines.js';
import type { ProviderRecord, SamlProviderSettings } from '../../src/sso/provider-settings.js';
import {
  createSamlIdp,
  encodeResponse,
  signXml,
  stripSignatures,
  type IdpAnswer,
  type ResponseValues,
  type SamlIdp,
  type SamlIdpOptions,
  type SamlUser,
} from '../support/saml-idp.js';
import { sharedSettings } from '../support/settings.js';

export const NOW = new Date('2030-01-01T12:00:00.000Z');
export const IDP_ENTITY_ID = 'https://idp.example.test/realms/corp';
export const SP_ENTITY_ID = 'https://jellyfin.example.test/sso/SAML/corp';
export const ACS_URL = 'https://jellyfin.example.test/sso/SAML/post/corp';
export const IDP_SSO_URL = 'https://idp.example.test/realms/corp/protocol/saml';

export function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/saml/${name}`, import.meta.url), 'utf8');
}

export const keys = {
  idpKey: fixture('idp-key.pem'),
  idpCert: fixture('idp-cert.pem'),
  attackerKey: fixture('attacker-key.pem'),
  attackerCert: fixture('attacker-cert.pem'),
  idpEcKey: fixture('idp-ec-key.pem'),
  idpEcCert: fixture('idp-ec-cert.pem'),
  spKey: fixture('sp-key.pem'),
  spCert: fixture('sp-cert.pem'),
};

export const secondsFrom = (date: Date, seconds: number): string =>
  new Date(date.getTime() + seconds * 1000).toISOString();

export function samlProvider(
  settings: Partial<SamlProviderSettings> = {},
  spSigningKey: string | null = null,
): ProviderRecord<SamlProviderSettings> {
  return {
    id: 'prov-saml-1',
    protocol: 'saml',
    name: 'corp',
    version: 'v1',
    createdAt: NOW,
    updatedAt: NOW,
    secrets: { clientSecret: null, spSigningKey },
    settings: {
      ...sharedSettings(),
      samlEndpoint: IDP_SSO_URL,
      samlClientId: SP_ENTITY_ID,
      samlCertificate: new X509Certificate(keys.idpCert).raw.toString('base64'),
      samlIdpEntityId: IDP_ENTITY_ID,
      samlRoleAttribute: 'Role',
      samlUsernameAttribute: null,
      ...settings,
    },
  };
}

export const DEFAULT_USER: SamlUser = {
  nameId: 'alice@example.test',
  attributes: { Role: ['jellyfin-admins', 'jellyfin-users'], email: ['alice@example.test'] },
};

export interface Flow {
  saml: SamlProtocol;
  idp: SamlIdp;
  provider: ProviderRecord<SamlProviderSettings>;
  requestId: string;
  url: string;
  answer: IdpAnswer;
  /** Verifies `samlResponse` (default: the IdP's answer) as the ACS would for this flow. */
  verify(
    samlResponse?: string,
    input?: Partial<{ acsUrl: string; expectedRequestId: string; now: Date }>,
  ): Promise<SamlAssertion>;
  /** Strips the signatures of the IdP's answer, applies `change` to the XML and signs it again with `sign`. */
  resign(change: (xml: string) => string, sign?: Partial<Parameters<typeof signXml>[1]>): string;
}

export interface FlowOptions {
  idp?: Partial<SamlIdpOptions>;
  user?: SamlUser;
  values?: Partial<ResponseValues>;
  settings?: Partial<SamlProviderSettings>;
  protocol?: SamlProtocolOptions;
}

/** SP start → IdP (samlify) answers the AuthnRequest → ready to verify. The IdP signs the Response by default. */
export async function loginFlow(options: FlowOptions = {}): Promise<Flow> {
  const saml = createSamlProtocol({ clock: { now: () => NOW }, ...options.protocol });
  const idp = createSamlIdp({
    entityId: IDP_ENTITY_ID,
    privateKeyPem: keys.idpKey,
    certPem: keys.idpCert,
    now: () => NOW,
    ...options.idp,
  });
  const provider = samlProvider(options.settings);
  const { url, requestId } = await saml.start(provider, { relayState: 'relay-1', acsUrl: ACS_URL });
  const answer = await idp.respond(url, options.user ?? DEFAULT_USER, options.values);
  return {
    saml,
    idp,
    provider,
    requestId,
    url,
    answer,
    verify: (samlResponse = answer.samlResponse, input = {}) =>
      saml.verify(provider, {
        samlResponse,
        acsUrl: input.acsUrl ?? ACS_URL,
        expectedRequestId: input.expectedRequestId ?? requestId,
        now: input.now ?? NOW,
      }),
    resign: (change, sign = {}) =>
      encodeResponse(
        signXml(change(stripSignatures(answer.xml)), {
          privateKeyPem: keys.idpKey,
          certPem: keys.idpCert,
          target: 'response',
          ...sign,
        }),
      ),
  };
}

/**
 * Expects an `idp_response_invalid` SsoError with this detail, whose message matches `message`, naming a
 * catalogued rule of that family with its advice for the IdP (this `rule`, when given).
 */
export async function expectRefused(
  promise: Promise<unknown>,
  detail: string,
  message: RegExp,
  rule?: SamlRuleId,
): Promise<SsoError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, 'the response was accepted').toBeInstanceOf(SsoError);
  const error = caught as SsoError;
  expect({ code: error.code, step: error.step, detail: error.detail }).toEqual({
    code: 'idp_response_invalid',
    step: 'verify',
    detail,
  });
  expect(error.message).toMatch(message);
  const named = error.rule?.id ?? '';
  expect(Object.keys(SAML_RULES), 'the refusal names a catalogued rule').toContain(named);
  const entry = SAML_RULES[named as SamlRuleId]; // checked just above: a key of SAML_RULES
  expect(error.rule).toEqual({ id: rule ?? named, fixAtIdp: entry.fix });
  expect(entry.check).toBe(detail);
  expect(error.message).not.toMatch(/PRIVATE KEY|SignatureValue|MII[A-Za-z0-9+/]{20}/);
  return error;
}
