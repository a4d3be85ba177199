// Provider settings and flow fixtures shared by the storage tests.

import { randomBytes } from 'node:crypto';
import type { NewLoginFlow } from '../../src/sso/ports.js';
import type { OidcProviderSettings } from '../../src/sso/provider-settings.js';
import { sharedSettings } from '../support/settings.js';

export function oidcSettings(overrides: Partial<OidcProviderSettings> = {}): OidcProviderSettings {
  return {
    ...sharedSettings(),
    oidEndpoint: 'https://idp.example/realms/main',
    oidClientId: 'jellyfin',
    roleClaim: null,
    oidScopes: ['openid', 'profile'],
    overrideDefaultScopes: false,
    oidAuthorizationParameters: null,
    defaultUsernameClaim: null,
    avatarUrlFormat: null,
    disableHttps: false,
    disablePushedAuthorization: false,
    doNotValidateEndpoints: false,
    doNotValidateIssuerName: false,
    doNotLoadProfile: false,
    ...overrides,
  };
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export function newFlow(providerId: string, overrides: Partial<NewLoginFlow> = {}): NewLoginFlow {
  const now = new Date(Date.UTC(2030, 0, 1, 12, 0, 0, 123));
  return {
    id: randomBytes(16).toString('base64url'),
    providerId,
    providerName: 'p',
    protocol: 'oidc',
    purpose: 'login',
    stateHash: randomBytes(32).toString('hex'),
    browserHash: randomBytes(32).toString('hex'),
    samlRequestId: null,
    clientKey: '192.0.2.1',
    secrets: {
      protocol: 'oidc',
      pkceVerifier: 'verifier',
      nonce: 'nonce',
      redirectUri: 'https://sso.example/sso/OID/r/p',
    },
    createdAt: now,
    expiresAt: new Date(now.getTime() + 10 * 60_000),
    ...overrides,
  };
}
