// The one reader of a SAML provider's settings: the IdP certificate and the SP signing key are read here
// with the readers the SAML engine uses at every login, so what `Add` accepts always verifies and signs.
import { X509Certificate } from 'node:crypto';
import { SsoError, invalidField, type FieldError } from '../sso/errors.js';
import type { ParsedProvider } from '../sso/ports.js';
import type { SamlProviderInput, SamlProviderSettings } from '../sso/provider-settings.js';
import {
  checkHttpUrl,
  optionalText,
  requiredText,
  secretUpdate,
  sharedSettings,
} from '../sso/settings-input.js';
import { SpKeyError, readSpSigningKey } from './saml-sp-key.js';

export function parseSamlSettings(input: SamlProviderInput, now: Date): ParsedProvider {
  const warnings: string[] = [];
  const samlEndpoint = requiredText(input.samlEndpoint, 'samlEndpoint');
  checkHttpUrl('/body/samlEndpoint', samlEndpoint);
  const certificate = parseCertificate(requiredText(input.samlCertificate, 'samlCertificate'));
  if (certificate.validTo.getTime() < now.getTime()) {
    warnings.push(
      `samlCertificate expired on ${certificate.validTo.toISOString()}; signatures still verify with it, but ask the IdP for a new one.`,
    );
  }
  const settings: SamlProviderSettings = {
    ...sharedSettings(input),
    autoRedirect: input.autoRedirect ?? false,
    samlEndpoint,
    samlClientId: requiredText(input.samlClientId, 'samlClientId'),
    samlCertificate: certificate.base64,
    samlIdpEntityId: optionalText(input.samlIdpEntityId),
    samlRoleAttribute: optionalText(input.samlRoleAttribute) ?? 'Role',
    samlUsernameAttribute: optionalText(input.samlUsernameAttribute),
    samlSloEndpoint: sloEndpoint(input.samlSloEndpoint),
  };
  const spSigningKey = secretUpdate(input.samlSpSigningKey);
  try {
    readSpSigningKey(spSigningKey ?? null);
  } catch (error) {
    if (!(error instanceof SpKeyError)) throw error;
    throw invalidField('/body/samlSpSigningKey', error.message, 'admin');
  }
  return { write: { settings, secrets: spSigningKey === undefined ? {} : { spSigningKey } }, warnings };
}

/** SAML Metadata §2.2.2: the SingleLogoutService Location, an absolute http(s) URL; blank → none. */
function sloEndpoint(value: string | null | undefined): string | null {
  const url = optionalText(value);
  if (url !== null) checkHttpUrl('/body/samlSloEndpoint', url);
  return url;
}

/** Accepts base64 DER (the `<X509Certificate>` text of IdP metadata) or PEM; stores base64 DER. */
export function parseCertificate(raw: string): { base64: string; validTo: Date } {
  const pem = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(raw);
  const body = (pem === null ? raw : (pem[1] ?? '')).replace(/\s+/g, '');
  const errors: FieldError[] = [
    { field: '/body/samlCertificate', message: 'must be an X.509 certificate as base64 DER or PEM' },
  ];
  const refusal = (cause?: unknown): SsoError =>
    new SsoError('invalid_request', `samlCertificate: ${errors[0]?.message ?? ''}`, {
      step: 'admin',
      errors,
      cause,
    });
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) throw refusal();
  try {
    const certificate = new X509Certificate(Buffer.from(body, 'base64'));
    return { base64: certificate.raw.toString('base64'), validTo: new Date(certificate.validTo) };
  } catch (cause) {
    throw refusal(cause);
  }
}
