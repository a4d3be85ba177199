// Builders for OIDC provider records in tests: every field of OidcProviderSettings with the plugin's
// defaults, overridable per test.

import type { OidcProviderSettings, ProviderRecord } from '../../src/sso/provider-settings.js';
import { sharedSettings } from '../support/settings.js';

export function oidcSettings(overrides: Partial<OidcProviderSettings> = {}): OidcProviderSettings {
  return {
    ...sharedSettings({ enableAllFolders: false }),
    oidEndpoint: 'https://idp.example.com',
    oidClientId: 'jellyfin',
    roleClaim: null,
    oidScopes: [],
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

export function oidcProvider(
  settings: Partial<OidcProviderSettings> = {},
  record: { id?: string; name?: string; version?: string; clientSecret?: string | null } = {},
): ProviderRecord<OidcProviderSettings> {
  const now = new Date('2026-01-01T00:00:00Z');
  return {
    id: record.id ?? 'provider-1',
    protocol: 'oidc',
    name: record.name ?? 'test',
    settings: oidcSettings(settings),
    secrets: {
      clientSecret: record.clientSecret === undefined ? 'top-secret' : record.clientSecret,
      spSigningKey: null,
    },
    version: record.version ?? 'v1',
    createdAt: now,
    updatedAt: now,
  };
}
