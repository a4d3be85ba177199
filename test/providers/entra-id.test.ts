// docs/providers/entra-id.md signs users in as it promises, against an OpenID Provider shaped like Microsoft
// Entra ID's multi-tenant endpoint (test/support/hostile-op.ts with `tenantTemplate`: discovery at
// `…/organizations/v2.0` naming the issuer `…/{tenantid}/v2.0`, `tid` in every ID token, userinfo on another
// origin, no PAR, app roles in `roles`). The guide's JSON is added unchanged but for its placeholders.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { addOidcProvider, authenticateOidc, type OidcProviderInput } from '../../clients/typescript/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { CookieJar, authBody, browserGet, pageParams } from '../support/browser.js';
import { authorizeAt, startHostileOp, type HostileOp } from '../support/hostile-op.js';
import { freePort } from '../support/ports.js';
import { GUIDE_PUBLIC_URL, providerJson, readGuide } from './guide.js';

const GUIDE_ORIGIN = 'https://login.microsoftonline.com';
/** The tenant id the guide's `allowedTenants` shows, and another tenant. */
const GUIDE_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER_TENANT = '0b3d1f6e-5c2a-4e8b-9d7f-1a2b3c4d5e6f';

describe('docs/providers/entra-id.md', () => {
  const guide = readGuide('entra-id.md');
  let op: HostileOp;
  let t: TestApp;

  beforeAll(async () => {
    op = await startHostileOp({ tenantTemplate: true });
    const port = await freePort();
    t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
    const body = providerJson(guide, {
      idpOrigin: [GUIDE_ORIGIN, op.issuer],
      clientId: op.clientId,
      clientSecret: op.clientSecret,
    });
    const { response, error } = await addOidcProvider({
      client: t.admin,
      path: { provider: guide.name },
      body: body as OidcProviderInput,
    });
    expect(error, JSON.stringify(error)).toBeUndefined();
    expect(response.status).toBe(200);
  });
  afterAll(async () => {
    await t.close();
    await op.close();
  });
  beforeEach(() => {
    op.tenant = GUIDE_TENANT;
  });

  async function reachPage(subject: string, claims: Record<string, unknown>) {
    op.subject = subject;
    op.claims = claims;
    const jar = new CookieJar();
    const start = await browserGet(`${t.baseUrl}/sso/OID/start/${guide.name}`, jar);
    expect(start.status, start.text.slice(0, 300)).toBe(302);
    const callback = await authorizeAt(op, start.headers.get('location') ?? '');
    return { page: await browserGet(callback, jar), jar };
  }

  async function signIn(subject: string, claims: Record<string, unknown>) {
    const { page, jar } = await reachPage(subject, claims);
    expect(page.status, page.text.slice(0, 400)).toBe(200);
    const { data, response } = await authenticateOidc({
      client: t.anonymous,
      path: { provider: guide.name },
      body: authBody(pageParams(page.text).data),
      headers: { cookie: jar.header() },
    });
    expect(response.status).toBe(200);
    return data!;
  }

  it('when an admin reads it, then it names the redirect URI and the settings the imitation relies on', () => {
    expect(guide.text).toContain(`${GUIDE_PUBLIC_URL}/sso/OID/redirect/${guide.name}`);
    for (const phrase of [
      '"roleClaim": "roles"',
      '"doNotLoadProfile": true',
      'organizations/v2.0',
      'allowedTenants',
    ]) {
      expect(guide.text).toContain(phrase);
    }
  });

  it('when a member of the allowed tenant signs in, then they are signed in without administrator rights', async () => {
    const result = await signIn('sub-member', {
      preferred_username: 'mia@contoso.com',
      roles: ['jellyfin-users'],
    });
    expect(result.User.Policy?.IsAdministrator).toBe(false);
  });

  it('when someone with the admin app role signs in, then they are an administrator', async () => {
    const result = await signIn('sub-admin', {
      preferred_username: 'ada@contoso.com',
      roles: ['jellyfin-users', 'jellyfin-admins'],
    });
    expect(result.User.Policy?.IsAdministrator).toBe(true);
  });

  it('when someone without an app role signs in, then they are refused', async () => {
    const { page } = await reachPage('sub-stranger', { preferred_username: 'sam@contoso.com' });
    expect(page.status).toBe(403);
  });

  it('when a user of another tenant signs in, then they are refused although they hold the role', async () => {
    op.tenant = OTHER_TENANT;
    const { page } = await reachPage('sub-outsider', {
      preferred_username: 'oz@fabrikam.com',
      roles: ['jellyfin-users'],
    });
    expect(page.status).toBe(403);
  });
});
