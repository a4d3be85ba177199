// The admin's Test of an OIDC provider: live checks against its OpenID Provider, made with the rules a
// sign-in uses (discovery, key set, client authentication), each a pass, warn or fail for the admin.
// Nothing here returns or logs the client secret: the only request that carries it is the token probe,
// whose answer is read for its status and OAuth `error` code alone.

import * as jose from 'jose';

import { SsoError } from '../sso/errors.js';
import type { ProviderCheck } from '../sso/ports.js';
import type { OidcProviderSettings, ProviderRecord } from '../sso/provider-settings.js';
import { fail, notChecked, pass, warn } from './diagnostic-checks.js';
import { discoverProvider, type DiscoveredProvider } from './oidc-discovery.js';
import { oidcErrorToSsoError } from './oidc-errors.js';
import { signingAlgorithms } from './oidc-exchange.js';
import { splitClaimPath } from './oidc-identity.js';
import { fetchKeySet } from './oidc-keys.js';
import { probeClientCredentials } from './oidc-probe.js';
import { buildScopes, isLoopbackHost, normaliseOidEndpoint } from './oidc-rules.js';
import { isTenantTemplate } from './oidc-tenant-issuer.js';

type OidcProvider = ProviderRecord<OidcProviderSettings>;

export interface OidcDiagnoseInput {
  provider: OidcProvider;
  /** The redirect URI sign-ins of this provider send (src/sso/endpoints.ts `redirectUri`). */
  redirectUri: string;
  timeoutMs: number;
  userAgent: string;
}

/** The checks that need the discovery document, in the order they run. */
const NETWORK_CHECKS = [
  'oidc.jwks',
  'oidc.pkce',
  'oidc.par',
  'oidc.client_auth',
  'oidc.client_credentials',
] as const;

export async function diagnoseOidc(input: OidcDiagnoseInput): Promise<ProviderCheck[]> {
  const { settings } = input.provider;
  const { discovered, checks } = await discoveryChecks(input);
  if (discovered === null) {
    for (const check of NETWORK_CHECKS) {
      checks.push(notChecked(check, 'the discovery document could not be used', 'oidc.discovery'));
    }
  } else {
    checks.push(
      await keySetCheck(discovered),
      pkceCheck(discovered),
      parCheck(discovered, settings),
      clientAuthCheck(discovered),
      await probeClientCredentials(discovered, settings.oidClientId, input.redirectUri),
    );
  }
  checks.push(redirectUriCheck(input.redirectUri), roleClaimCheck(settings));
  return checks;
}

/**
 * `oidc.discovery` and `oidc.issuer`, by the sign-in's own discovery. When it refuses, discovery runs once
 * more without the issuer comparison: if that succeeds, the document is fine and only the issuer is wrong,
 * and the other checks can still run on it.
 */
async function discoveryChecks(
  input: OidcDiagnoseInput,
): Promise<{ discovered: DiscoveredProvider | null; checks: ProviderCheck[] }> {
  const { settings } = input.provider;
  const first = await tryDiscover(input, settings);
  if (!(first instanceof SsoError)) {
    return { discovered: first, checks: [discoveryPassed(first), issuerCheck(first, settings)] };
  }
  // Only a document that was read can have a wrong issuer; an IdP that did not answer is not asked twice.
  const relaxed =
    settings.doNotValidateIssuerName || first.code !== 'idp_response_invalid'
      ? first
      : await tryDiscover(input, { ...settings, doNotValidateIssuerName: true });
  if (!(relaxed instanceof SsoError)) {
    const issuerFailed = fail('oidc.issuer', first.message, 'Set "oidEndpoint" to the issuer URL shown.');
    return { discovered: relaxed, checks: [discoveryPassed(relaxed), issuerFailed] };
  }
  const fix =
    first.code === 'upstream_unavailable'
      ? 'Check that the identity provider is up and reachable from this service, then test again.'
      : 'Check "oidEndpoint": it must be the issuer URL of the identity provider.';
  return {
    discovered: null,
    checks: [
      fail('oidc.discovery', first.message, fix),
      notChecked('oidc.issuer', 'the discovery document could not be used', 'oidc.discovery'),
    ],
  };
}

async function tryDiscover(
  input: OidcDiagnoseInput,
  settings: OidcProviderSettings,
): Promise<DiscoveredProvider | SsoError> {
  try {
    return await discoverProvider({
      endpoint: normaliseOidEndpoint(settings.oidEndpoint),
      settings,
      clientSecret: input.provider.secrets.clientSecret,
      timeoutMs: input.timeoutMs,
      userAgent: input.userAgent,
      step: 'admin',
    });
  } catch (error) {
    return oidcErrorToSsoError(error, { operation: 'discovery', step: 'admin', timeoutMs: input.timeoutMs });
  }
}

function discoveryPassed(discovered: DiscoveredProvider): ProviderCheck {
  return pass(
    'oidc.discovery',
    `The discovery document of ${discovered.metadata.issuer} was read and names every endpoint the service uses.`,
  );
}

function issuerCheck(discovered: DiscoveredProvider, settings: OidcProviderSettings): ProviderCheck {
  const issuer = discovered.metadata.issuer;
  if (isTenantTemplate(issuer)) {
    const tenants = settings.allowedTenants ?? [];
    return pass(
      'oidc.issuer',
      `The issuer "${issuer}" is a multi-tenant template: each ID token is held to its own tenant's issuer; ` +
        (tenants.length === 0 ? 'any tenant is allowed.' : `allowed tenants: ${tenants.join(', ')}.`),
    );
  }
  if (settings.doNotValidateIssuerName) {
    return warn(
      'oidc.issuer',
      `The issuer "${issuer}" is not compared with "oidEndpoint" (doNotValidateIssuerName); ID tokens must still carry it.`,
      'If "oidEndpoint" is the issuer URL, unset "doNotValidateIssuerName".',
    );
  }
  return pass('oidc.issuer', `The issuer "${issuer}" matches "oidEndpoint".`);
}

/** `oidc.jwks`: the key set is fetched as a sign-in fetches it and holds a key for an accepted algorithm. */
async function keySetCheck(discovered: DiscoveredProvider): Promise<ProviderCheck> {
  const algorithms = signingAlgorithms(discovered.metadata);
  const advertised = discovered.metadata.id_token_signing_alg_values_supported ?? ['RS256'];
  if (algorithms.length === 0) {
    return fail(
      'oidc.jwks',
      `The identity provider signs ID tokens only with ${advertised.join(', ')}; the service accepts asymmetric algorithms only (RS*, PS*, ES*, EdDSA).`,
      'Configure the client at the identity provider to sign ID tokens with RS256 or ES256.',
    );
  }
  let keys: jose.JSONWebKeySet;
  try {
    keys = await fetchKeySet(discovered.fetch, String(discovered.metadata.jwks_uri));
  } catch (error) {
    const message = error instanceof SsoError ? error.message : 'The signing key set could not be fetched.';
    return fail('oidc.jwks', message, 'Check that the jwks_uri of the discovery document answers.');
  }
  const usable = await usableKeys(keys, algorithms);
  if (usable.length === 0) {
    return fail(
      'oidc.jwks',
      `The signing key set holds ${keys.keys.length} key(s), none usable to verify ${algorithms.join(', ')}.`,
      'Give the identity provider a signing key for one of the algorithms it advertises.',
    );
  }
  return pass('oidc.jwks', `The signing key set holds ${usable.length} usable key(s): ${usable.join(', ')}.`);
}

/** "kid (alg)" of each key that may verify an ID token with one of `algorithms`. */
async function usableKeys(keys: jose.JSONWebKeySet, algorithms: string[]): Promise<string[]> {
  const usable: string[] = [];
  for (const key of keys.keys) {
    // Public keys only: jose imports a symmetric (`oct`) key for any algorithm.
    if (key.kty !== 'RSA' && key.kty !== 'EC' && key.kty !== 'OKP') continue;
    if (key.use !== undefined && key.use !== 'sig') continue;
    if (Array.isArray(key.key_ops) && !key.key_ops.includes('verify')) continue;
    for (const alg of algorithms) {
      if (key.alg !== undefined && key.alg !== alg) continue;
      // jose refuses a key whose type or curve does not fit the algorithm.
      const fits = await jose.importJWK(key, alg).then(
        () => true,
        () => false,
      );
      if (fits) {
        usable.push(`${key.kid ?? 'no kid'} (${alg})`);
        break;
      }
    }
  }
  return usable;
}

/** `oidc.pkce`: the service always sends S256 (RFC 7636 §4.2); the IdP should list it. */
function pkceCheck(discovered: DiscoveredProvider): ProviderCheck {
  const methods = discovered.metadata.code_challenge_methods_supported;
  if (!Array.isArray(methods)) {
    return warn(
      'oidc.pkce',
      'The discovery document does not list code_challenge_methods_supported; the service sends PKCE S256 anyway (Entra ID omits the list and supports it).',
      'Nothing to change if sign-in works; otherwise enable PKCE (S256) for this client at the identity provider.',
    );
  }
  if (!methods.includes('S256')) {
    return fail(
      'oidc.pkce',
      `The identity provider lists PKCE methods ${methods.join(', ') || '(none)'} without S256, the only one the service sends.`,
      'Enable PKCE with S256 for this client at the identity provider.',
    );
  }
  return pass('oidc.pkce', 'The identity provider supports PKCE S256, which the service always sends.');
}

/** `oidc.par`: whether the authorization request is pushed (RFC 9126) and whether the IdP requires it. */
function parCheck(discovered: DiscoveredProvider, settings: OidcProviderSettings): ProviderCheck {
  const advertised = typeof discovered.metadata.pushed_authorization_request_endpoint === 'string';
  const required = discovered.metadata.require_pushed_authorization_requests === true;
  if (discovered.usePar) {
    return pass(
      'oidc.par',
      'The identity provider advertises PAR: the service pushes each authorization request first.',
    );
  }
  if (required) {
    return fail(
      'oidc.par',
      'The identity provider requires PAR, and "disablePushedAuthorization" switches it off.',
      'Unset "disablePushedAuthorization".',
    );
  }
  return pass(
    'oidc.par',
    advertised && settings.disablePushedAuthorization
      ? 'The identity provider advertises PAR, but "disablePushedAuthorization" is set: the service sends the authorization request through the browser.'
      : 'The identity provider does not advertise PAR: the service sends the authorization request through the browser.',
  );
}

/** `oidc.client_auth`: the method the service will use (oidc-discovery.ts `chooseClientAuth`). */
function clientAuthCheck(discovered: DiscoveredProvider): ProviderCheck {
  const supported = discovered.metadata.token_endpoint_auth_methods_supported;
  if (discovered.authMethod !== 'none') {
    return pass(
      'oidc.client_auth',
      `The service authenticates the client with ${discovered.authMethod} at the token endpoint${discovered.usePar ? ' and for PAR' : ''}.`,
    );
  }
  if (Array.isArray(supported) && !supported.includes('none')) {
    return fail(
      'oidc.client_auth',
      `No client secret is set, so the service acts as a public client, which the identity provider does not list (it lists ${supported.join(', ')}).`,
      'Set "oidSecret" to the client secret, or make the client public at the identity provider.',
    );
  }
  return warn(
    'oidc.client_auth',
    'No client secret is set: the service acts as a public client (method none, PKCE only).',
    'If the client at the identity provider is confidential, set "oidSecret".',
  );
}

/** `oidc.redirect_uri`: what to register; most IdPs refuse http redirect URIs other than loopback ones. */
function redirectUriCheck(redirectUri: string): ProviderCheck {
  const url = new URL(redirectUri);
  const detail = `Register exactly this redirect URI at the identity provider: ${redirectUri}`;
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return warn(
      'oidc.redirect_uri',
      `${detail} (plain http: most identity providers accept http redirect URIs only for localhost).`,
      'Set SSO_PUBLIC_URL to the https URL users reach the service at.',
    );
  }
  return pass('oidc.redirect_uri', detail);
}

/** `oidc.role_claim`: role rules need a role claim, and a `groups` claim usually needs the `groups` scope. */
function roleClaimCheck(settings: OidcProviderSettings): ProviderCheck {
  const scopes = buildScopes(settings);
  const roleClaim = settings.roleClaim?.trim() ?? '';
  const usesRoles =
    settings.enableAuthorization ||
    settings.adminRoles.length > 0 ||
    settings.enableFolderRoles ||
    settings.enableLiveTvRoles;
  if (roleClaim === '') {
    return usesRoles
      ? warn(
          'oidc.role_claim',
          'No "roleClaim" is set, so every user has no roles, yet role rules are configured (roles, adminRoles, folder or Live TV roles).',
          'Set "roleClaim" to the claim holding the roles, e.g. "groups".',
        )
      : pass('oidc.role_claim', 'No "roleClaim" is set and no role rule needs one.');
  }
  if (splitClaimPath(roleClaim)[0] === 'groups' && !scopes.split(' ').includes('groups')) {
    return warn(
      'oidc.role_claim',
      `Roles are read from "${roleClaim}", but the scopes requested (${scopes}) do not include "groups"; many identity providers release the groups claim only with that scope.`,
      'Add "groups" to "oidScopes", unless the identity provider puts groups in the ID token without it (Entra ID, Keycloak).',
    );
  }
  return pass(
    'oidc.role_claim',
    `Roles are read from the claim "${roleClaim}"; the scopes requested are: ${scopes}.`,
  );
}
