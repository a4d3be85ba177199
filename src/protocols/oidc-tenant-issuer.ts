// Multi-tenant issuers: Microsoft Entra ID's `common` and `organizations` endpoints publish the issuer as a
// template, `https://login.microsoftonline.com/{tenantid}/v2.0`, and each ID token's `iss` is that template
// with the token's own `tid` (Microsoft identity platform, "ID token claims reference"; OIDC Discovery §4.3
// cannot hold for such an issuer). The ID token is then held to the issuer of its own tenant, exactly as to
// a fixed issuer, and the tenant may be restricted to the provider's `allowedTenants`.

import { isRecord } from '../sso/basics.js';
import { SsoError } from '../sso/errors.js';
import { failedCheck } from './oidc-errors.js';

const TENANT_PLACEHOLDER = '{tenantid}';
/** Entra tenant ids are GUIDs; nothing else may be spliced into an issuer URL. */
const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isTenantTemplate(issuer: string): boolean {
  return issuer.includes(TENANT_PLACEHOLDER);
}

/**
 * Discovery's issuer check for a template: the configured endpoint is the template with one path segment
 * (`common`, `organizations`, …) in place of `{tenantid}`, ignoring a trailing slash.
 */
export function templateMatchesEndpoint(template: string, endpoint: string): boolean {
  const [before, after, ...rest] = template.replace(/\/+$/, '').split(TENANT_PLACEHOLDER);
  if (before === undefined || after === undefined || rest.length > 0) return false;
  const trimmed = endpoint.replace(/\/+$/, '');
  if (!trimmed.startsWith(before) || !trimmed.endsWith(after)) return false;
  const segment = trimmed.slice(before.length, trimmed.length - after.length);
  return /^[^/?#]+$/.test(segment);
}

/**
 * The issuer an ID token must carry under a template: the template with the token's `tid`. The `tid` is read
 * before the signature is checked only to choose what to compare; the token is then checked in full
 * against that issuer, so a token cannot pass with a `tid` other than the one in its verified `iss`.
 */
export function tenantIssuer(template: string, idToken: string): string {
  const tid = unverifiedPayload(idToken)?.tid;
  if (typeof tid !== 'string' || !TENANT_ID.test(tid)) {
    throw failedCheck(
      'issuer',
      'the identity provider names a multi-tenant issuer, but the ID token carries no tenant id ("tid")',
    );
  }
  return template.replace(TENANT_PLACEHOLDER, tid);
}

/** After every check passed: the verified `tid` must be one of `allowedTenants` (empty = any tenant). */
export function checkTenantAllowed(tid: unknown, allowedTenants: readonly string[]): void {
  if (allowedTenants.length === 0 || (typeof tid === 'string' && allowedTenants.includes(tid))) return;
  throw new SsoError(
    'not_permitted',
    `Accounts of the tenant ${typeof tid === 'string' ? tid : '(none)'} may not sign in with this provider: ` +
      'it is not in the provider\'s "allowedTenants".',
    {
      step: 'claims',
      reason: 'tenant_not_allowed',
      rule: {
        id: 'oidc.tenant_not_allowed',
        fixAtIdp: 'Add the tenant id to "allowedTenants", or sign in with an account of an allowed tenant.',
      },
    },
  );
}

function unverifiedPayload(jwt: string): Record<string, unknown> | undefined {
  const payload = jwt.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
