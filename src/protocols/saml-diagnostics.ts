// The admin's Test of a SAML provider: the IdP certificate and its dates, whether the SSO URL answers, the
// values to register at the IdP (SP entity id, ACS URL, metadata URL), the clock skew tolerated, and which
// signatures the verifier expects. Each check is a pass, warn or fail for the admin.

import { X509Certificate } from 'node:crypto';

import type { ProviderCheck } from '../sso/ports.js';
import type { ProviderRecord, SamlProviderSettings } from '../sso/provider-settings.js';
import { fail, pass, warn } from './diagnostic-checks.js';
import { isLoopbackHost } from './oidc-rules.js';
import { probeSsoUrl } from './saml-sso-probe.js';

type SamlProvider = ProviderRecord<SamlProviderSettings>;

export interface SamlDiagnoseInput {
  provider: SamlProvider;
  /** Where the IdP posts its answer (src/sso/endpoints.ts `acsUrl`). */
  acsUrl: string;
  /** Where the IdP may import the SP metadata from. */
  metadataUrl: string;
  clockSkewSeconds: number;
  now: Date;
  timeoutMs: number;
}

/** A certificate ending within this many days is a warning. */
const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Beyond this many seconds of tolerated skew, an expired assertion stays usable for long. */
const LARGE_SKEW_SECONDS = 300;

export async function diagnoseSaml(input: SamlDiagnoseInput): Promise<ProviderCheck[]> {
  const { settings } = input.provider;
  return [
    certificateCheck(settings.samlCertificate, input.now),
    await probeSsoUrl(settings.samlEndpoint, input.timeoutMs),
    pass(
      'saml.sp_entity_id',
      `Register the SP entity id "${settings.samlClientId}" (samlClientId) at the identity provider: the assertion's AudienceRestriction must name it.`,
    ),
    acsUrlCheck(input.acsUrl, input.metadataUrl),
    clockSkewCheck(input.clockSkewSeconds),
    signingCheck(input.provider),
  ];
}

/** `saml.certificate`: it parses, and is valid now and for the next few weeks. */
function certificateCheck(base64: string, now: Date): ProviderCheck {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(Buffer.from(base64, 'base64'));
  } catch {
    return fail(
      'saml.certificate',
      'The IdP certificate (samlCertificate) cannot be read as an X.509 certificate.',
      "Copy the signing certificate from the identity provider's metadata again and save it with Add.",
    );
  }
  const subject = certificate.subject.replace(/\n/g, ', ');
  const validFrom = new Date(certificate.validFrom);
  const validTo = new Date(certificate.validTo);
  const renew = 'Ask the identity provider for its current signing certificate and save it with Add.';
  if (validTo.getTime() <= now.getTime()) {
    return fail(
      'saml.certificate',
      `The IdP certificate (${subject}) expired on ${validTo.toISOString()}.`,
      renew,
    );
  }
  if (validFrom.getTime() > now.getTime()) {
    return fail(
      'saml.certificate',
      `The IdP certificate (${subject}) is not valid before ${validFrom.toISOString()}.`,
      'Check the clocks, or save the certificate the identity provider signs with today.',
    );
  }
  const days = Math.floor((validTo.getTime() - now.getTime()) / DAY_MS);
  if (days < EXPIRY_WARNING_DAYS) {
    return warn(
      'saml.certificate',
      `The IdP certificate (${subject}) is valid until ${validTo.toISOString()}, in ${days} day(s).`,
      renew,
    );
  }
  return pass(
    'saml.certificate',
    `The IdP certificate (${subject}) is valid until ${validTo.toISOString()}.`,
  );
}

/** `saml.acs_url`: what to register; an http ACS URL other than loopback exposes assertions in transit. */
function acsUrlCheck(acsUrl: string, metadataUrl: string): ProviderCheck {
  const detail =
    `Register this Assertion Consumer Service URL (HTTP-POST binding) at the identity provider: ${acsUrl} ` +
    `(or import the SP metadata from ${metadataUrl}).`;
  const url = new URL(acsUrl);
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return warn(
      'saml.acs_url',
      `${detail} It uses plain http, so assertions cross the network unencrypted.`,
      'Set SSO_PUBLIC_URL to the https URL users reach the service at.',
    );
  }
  return pass('saml.acs_url', detail);
}

/** `saml.clock_skew`: the tolerance on NotBefore / NotOnOrAfter (SSO_SAML_CLOCK_SKEW). */
function clockSkewCheck(seconds: number): ProviderCheck {
  const detail = `Validity windows (NotBefore, NotOnOrAfter) are accepted with ${seconds} s of clock skew (SSO_SAML_CLOCK_SKEW).`;
  if (seconds === 0) {
    return warn(
      'saml.clock_skew',
      `${detail} Any difference between the clocks refuses sign-ins.`,
      'Keep the clocks in sync (NTP) and allow some skew, e.g. SSO_SAML_CLOCK_SKEW=120.',
    );
  }
  if (seconds > LARGE_SKEW_SECONDS) {
    return warn(
      'saml.clock_skew',
      `${detail} An assertion stays usable that long after it expires.`,
      `Keep the clocks in sync (NTP) and lower SSO_SAML_CLOCK_SKEW to ${LARGE_SKEW_SECONDS} s or less.`,
    );
  }
  return pass('saml.clock_skew', detail);
}

/** `saml.signing`: what the verifier requires, and whether the certificate's key can meet it. */
function signingCheck(provider: SamlProvider): ProviderCheck {
  const signsRequests = provider.secrets.spSigningKey !== null && provider.secrets.spSigningKey.trim() !== '';
  const detail =
    'The identity provider must sign the Response or the Assertion (either is enough) with the certificate ' +
    'above, using RSA or ECDSA with SHA-256 or stronger (SHA-1 is refused), exclusive canonicalization and ' +
    `an enveloped signature. AuthnRequests are ${signsRequests ? 'signed with the SP signing key' : 'not signed'}.`;
  let keyType: string | undefined;
  try {
    keyType = new X509Certificate(Buffer.from(provider.settings.samlCertificate, 'base64')).publicKey
      .asymmetricKeyType;
  } catch {
    return pass('saml.signing', detail); // an unreadable certificate is saml.certificate's failure
  }
  if (keyType !== 'rsa' && keyType !== 'ec') {
    return fail(
      'saml.signing',
      `${detail} The certificate holds a ${keyType ?? 'unknown'} key, which no accepted algorithm uses.`,
      'Give the identity provider an RSA or EC signing key.',
    );
  }
  return pass('saml.signing', detail);
}
