// The one reader of an OIDC provider's settings: an `Add` body is checked with the rules the OIDC engine
// applies at every login (oidc-rules.ts), so an endpoint or parameter accepted here is never refused there.
import { invalidField } from '../sso/errors.js';
import type { ParsedProvider } from '../sso/ports.js';
import type { OidcProviderInput, OidcProviderSettings } from '../sso/provider-settings.js';
import {
  asBodyField,
  optionalText,
  requiredText,
  secretUpdate,
  sharedSettings,
  textList,
} from '../sso/settings-input.js';
import { isAllowedScheme, normaliseOidEndpoint, parseAuthorizationParameters } from './oidc-rules.js';

export function parseOidcSettings(input: OidcProviderInput): ParsedProvider {
  const oidEndpoint = asBodyField(() => normaliseOidEndpoint(requiredText(input.oidEndpoint, 'oidEndpoint')));
  const disableHttps = input.disableHttps ?? false;
  // Plain http only to a loopback IdP or with an explicit `disableHttps`: the rule every request to the
  // IdP is held to.
  if (!isAllowedScheme(new URL(oidEndpoint), disableHttps)) {
    throw invalidField(
      '/body/oidEndpoint',
      'must be https (set disableHttps to allow a plain-http IdP)',
      'admin',
    );
  }
  const oidAuthorizationParameters = optionalText(input.oidAuthorizationParameters);
  asBodyField(() => parseAuthorizationParameters(oidAuthorizationParameters));
  const settings: OidcProviderSettings = {
    ...sharedSettings(input),
    autoRedirect: input.autoRedirect ?? false,
    oidEndpoint,
    oidClientId: requiredText(input.oidClientId, 'oidClientId'),
    roleClaim: optionalText(input.roleClaim),
    oidScopes: textList(input.oidScopes),
    overrideDefaultScopes: input.overrideDefaultScopes ?? false,
    oidAuthorizationParameters,
    defaultUsernameClaim: optionalText(input.defaultUsernameClaim),
    avatarUrlFormat: optionalText(input.avatarUrlFormat),
    disableHttps,
    disablePushedAuthorization: input.disablePushedAuthorization ?? false,
    doNotValidateEndpoints: input.doNotValidateEndpoints ?? false,
    doNotValidateIssuerName: input.doNotValidateIssuerName ?? false,
    doNotLoadProfile: input.doNotLoadProfile ?? false,
    allowedTenants: tenantIds(input.allowedTenants),
  };
  const clientSecret = secretUpdate(input.oidSecret);
  return { write: { settings, secrets: clientSecret === undefined ? {} : { clientSecret } }, warnings: [] };
}

/** Entra tenant ids are GUIDs (the spec checks the form); stored lower case with hyphens, as `tid` carries them. */
function tenantIds(values: string[] | null | undefined): string[] {
  return textList(values).map((id) => {
    const hex = id.replace(/-/g, '').toLowerCase();
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  });
}
