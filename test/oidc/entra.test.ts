// Microsoft Entra ID as the service meets it: the multi-tenant `common` and `organizations` endpoints whose
// discovery names the issuer `…/{tenantid}/v2.0` (each ID token is held to its own tenant's issuer, and
// `allowedTenants` restricts the tenants), and the "groups overage" (a user in too many groups gets no
// `groups` claim, only a pointer to it), which is refused with a readable reason instead of being read as
// "no groups". The hostile OP (test/support/hostile-op.ts) imitates Entra's shapes on 127.0.0.1.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { addOidcProvider, getOidcProviders } from '../../clients/typescript/index.js';
import { createOidcProtocol } from '../../src/protocols/oidc.js';
import { extractRoles } from '../../src/protocols/oidc-identity.js';
import { templateMatchesEndpoint } from '../../src/protocols/oidc-tenant-issuer.js';
import { SsoError } from '../../src/sso/errors.js';
import type { OidcProviderSettings } from '../../src/sso/provider-settings.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { CookieJar, browserGet, pageParams } from '../support/browser.js';
import { expectPrivateFailure } from '../support/error-page.js';
import { authorizeAt, startHostileOp, type HostileOp } from '../support/hostile-op.js';
import { freePort } from '../support/ports.js';
import { oidcProvider } from './fixtures.js';
import { expectSsoError } from '../support/sso-error.js';

const TENANT_A = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const TENANT_B = '0b3d1f6e-5c2a-4e8b-9d7f-1a2b3c4d5e6f';
const REDIRECT_URI = 'http://127.0.0.1:9/sso/OID/redirect/entra';

let counter = 0;

async function adapterLogin(op: HostileOp, settings: Partial<OidcProviderSettings>) {
  const protocol = createOidcProtocol();
  const provider = oidcProvider(
    // Entra's userinfo lives on Microsoft Graph's origin; the ID token carries what the service reads.
    { oidEndpoint: `${op.issuer}/common/v2.0`, doNotLoadProfile: true, ...settings },
    { id: `entra-${++counter}`, clientSecret: op.clientSecret },
  );
  const state = `state-${counter}`;
  const started = await protocol.start(provider, { state, redirectUri: REDIRECT_URI });
  const callbackUrl = await authorizeAt(op, started.url);
  return protocol.finish(provider, { callbackUrl, state, secrets: started.secrets });
}

describe('Entra ID multi-tenant issuers (adapter)', () => {
  let op: HostileOp;
  beforeAll(async () => {
    op = await startHostileOp({ subject: 'sub-entra', tenantTemplate: true });
  });
  afterAll(async () => {
    await op.close();
  });
  beforeEach(() => {
    op.tenant = TENANT_A;
    op.issuerTenant = null;
    op.defect = null;
  });

  it('when the common endpoint is configured, then a user of any tenant signs in, held to its own issuer', async () => {
    const result = await adapterLogin(op, {});
    expect(result.subject).toBe('sub-entra');
    expect(result.claims).toMatchObject({ tid: TENANT_A, iss: `${op.issuer}/${TENANT_A}/v2.0` });

    op.tenant = TENANT_B;
    expect((await adapterLogin(op, {})).claims).toMatchObject({ tid: TENANT_B });
  });

  it('when the organizations endpoint is configured, then discovery accepts its template too', async () => {
    const result = await adapterLogin(op, { oidEndpoint: `${op.issuer}/organizations/v2.0/` });
    expect(result.claims).toMatchObject({ tid: TENANT_A });
  });

  it('when allowedTenants names the tenant, then its user signs in; another tenant is refused by name', async () => {
    expect((await adapterLogin(op, { allowedTenants: [TENANT_A] })).subject).toBe('sub-entra');

    op.tenant = TENANT_B;
    const error = await expectSsoError(adapterLogin(op, { allowedTenants: [TENANT_A] }));
    expect(error.code).toBe('not_permitted');
    expect(error.reason).toBe('tenant_not_allowed');
    expect(error.message).toContain(TENANT_B);
    expect(error.message).toContain('allowedTenants');
  });

  it("when the ID token's iss names another tenant than its tid, then the issuer check refuses it", async () => {
    op.issuerTenant = TENANT_B;
    const error = await expectSsoError(adapterLogin(op, {}));
    expect(error.code).toBe('idp_response_invalid');
    expect(error.message).toContain('failed the issuer check');
  });

  it('when the ID token carries no usable tid, then the issuer check refuses it before trusting anything', async () => {
    op.tenant = 'common';
    const error = await expectSsoError(adapterLogin(op, {}));
    expect(error.code).toBe('idp_response_invalid');
    expect(error.message).toContain('no tenant id ("tid")');
  });

  it('when userinfo is left on, then discovery names the userinfo endpoint on another origin and the fix', async () => {
    const error = await expectSsoError(adapterLogin(op, { doNotLoadProfile: false }));
    expect(error.message).toContain('userinfo_endpoint');
    expect(error.message).toContain('doNotValidateEndpoints');
  });

  it('when the token is signed by a foreign key, then the tenant template changes nothing about the signature check', async () => {
    op.defect = 'foreign-key';
    const error = await expectSsoError(adapterLogin(op, {}));
    expect(error.message).toContain('failed the signature check');
  });
});

describe('templateMatchesEndpoint', () => {
  const template = 'https://login.microsoftonline.com/{tenantid}/v2.0';
  it.each([
    ['https://login.microsoftonline.com/common/v2.0', true],
    ['https://login.microsoftonline.com/organizations/v2.0/', true],
    [`https://login.microsoftonline.com/${TENANT_A}/v2.0`, true],
    ['https://login.microsoftonline.com/common/v2.0/extra', false],
    ['https://login.microsoftonline.com//v2.0', false],
    ['https://login.microsoftonline.com/a/b/v2.0', false],
    ['https://login.example.com/common/v2.0', false],
    ['https://login.microsoftonline.com/common', false],
  ])('%s → %s', (endpoint, expected) => {
    expect(templateMatchesEndpoint(template, endpoint)).toBe(expected);
  });
});

describe('groups overage', () => {
  it('when the groups claim is only pointed to (_claim_names), then reading roles refuses with the fix', () => {
    const claims = {
      sub: 'x',
      _claim_names: { groups: 'src1' },
      _claim_sources: { src1: { endpoint: 'https://graph.microsoft.com/v1.0/users/x/getMemberObjects' } },
    };
    const error = (() => {
      try {
        extractRoles(claims, 'groups');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SsoError);
    expect((error as SsoError).reason).toBe('role_claim_not_delivered');
    expect((error as SsoError).message).toContain('groups overage');
  });

  it('when Entra says hasgroups instead of listing them, then reading roles refuses too', () => {
    expect(() => extractRoles({ sub: 'x', hasgroups: true }, 'groups')).toThrow(/groups overage/);
  });

  it('when the claim is present, or another claim is pointed to, then roles are read as before', () => {
    expect(extractRoles({ groups: ['a'], _claim_names: { groups: 'src1' } }, 'groups')).toEqual(['a']);
    expect(extractRoles({ roles: ['r'], _claim_names: { groups: 'src1' } }, 'roles')).toEqual(['r']);
    expect(extractRoles({ sub: 'x' }, 'groups')).toEqual([]);
  });
});

describe('Entra ID through the whole service', () => {
  let op: HostileOp;
  let t: TestApp;

  async function signIn(provider: string): Promise<{ status: number; text: string }> {
    const jar = new CookieJar();
    const start = await browserGet(`${t.baseUrl}/sso/OID/start/${provider}`, jar);
    expect(start.status).toBe(302);
    const callback = await authorizeAt(op, start.headers.get('location') ?? '');
    return browserGet(callback, jar);
  }

  async function add(provider: string, body: Record<string, unknown>) {
    return addOidcProvider({
      client: t.admin,
      path: { provider },
      body: {
        oidEndpoint: `${op.issuer}/common/v2.0`,
        oidClientId: op.clientId,
        oidSecret: op.clientSecret,
        enabled: true,
        doNotLoadProfile: true,
        ...body,
      },
    });
  }

  beforeAll(async () => {
    op = await startHostileOp({
      subject: 'sub-erin',
      claims: { preferred_username: 'erin' },
      tenantTemplate: true,
    });
    const port = await freePort();
    t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
  });
  afterAll(async () => {
    await t.close();
    await op.close();
  });
  beforeEach(() => {
    op.tenant = TENANT_A;
    op.claims = { preferred_username: 'erin' };
  });

  it('when allowedTenants is not a tenant id, then Add answers 400 naming the field and stores nothing', async () => {
    const { response, error } = await add('entra-bad', { allowedTenants: ['contoso.onmicrosoft.com'] });
    expect(response.status).toBe(400);
    expect(JSON.stringify(error)).toContain('allowedTenants');
    const { data } = await getOidcProviders({ client: t.admin });
    expect(Object.keys(data ?? {})).not.toContain('entra-bad');
  });

  it('when a tenant is allowed, then Get shows it in canonical form and its user signs in; another tenant gets a 403 page', async () => {
    const upper = TENANT_A.toUpperCase().replace(/-/g, '');
    expect((await add('entra', { allowedTenants: [upper] })).response.status).toBe(200);
    const { data } = await getOidcProviders({ client: t.admin });
    expect(data?.['entra']?.allowedTenants).toEqual([TENANT_A]);

    const page = await signIn('entra');
    expect(page.status).toBe(200);
    expect(pageParams(page.text)).toMatchObject({ mode: 'OID', provider: 'entra' });

    op.tenant = TENANT_B;
    const refused = await signIn('entra');
    expect(refused.status).toBe(403);
    expectPrivateFailure(refused, t.logs(), {
      reason: 'tenant_not_allowed',
      hidden: [TENANT_B, 'allowedTenants'],
      logged: [TENANT_B],
    });
  });

  it('when a user is in too many groups (overage), then the page refuses with a reason and the log says what to change', async () => {
    expect(
      (await add('entra-groups', { roleClaim: 'groups', enableAuthorization: true, roles: ['media'] }))
        .response.status,
    ).toBe(200);
    op.claims = {
      preferred_username: 'erin',
      _claim_names: { groups: 'src1' },
      _claim_sources: { src1: { endpoint: 'https://graph.microsoft.com/v1.0/users/x/getMemberObjects' } },
    };
    const page = await signIn('entra-groups');
    expect(page.status).toBe(403);
    expectPrivateFailure(page, t.logs(), {
      reason: 'role_claim_not_delivered',
      hidden: ['overage'],
      logged: ['groups overage'],
    });
  });
});
