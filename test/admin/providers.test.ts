// Provider administration through the generated client (issue 3; docs/security.md §2–3, docs/plugin-compatibility.md
// §3.4–3.7, §3.12, §4): OIDC and SAML Add/Get/Del/GetNames, input rules, nothing stored on error,
// write-only encrypted secrets, versions, concurrency, persistence, States and Unregister. The persistence,
// concurrency and Unregister cases also run on PostgreSQL when TEST_PG_URL is set.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addOidcProvider,
  addSamlProvider,
  deleteOidcProvider,
  deleteSamlProvider,
  getOidcProviderNames,
  getOidcProviders,
  getOidcStates,
  getSamlProviderNames,
  getSamlProviders,
  unregisterUser,
  type OidcProviderConfig,
  type OidcProviderInput,
  type SamlProviderInput,
} from '../../clients/typescript/index.js';
import { DEFAULT_AUTH_PROVIDER_ID, SSO_AUTH_PROVIDER_ID } from '../../src/sso/ports.js';
import { BOOTSTRAP_KEY, startTestApp, type TestApp } from '../support/app.js';
import { directoryOf, uniqueUserName } from '../support/users.js';
import { makeCertificates } from './certificates.js';
import { appDatabaseTargets, describeOn } from '../support/db.js';

interface Problem {
  status: number;
  code: string;
  detail: string;
  requestId: string;
  errors?: { field: string; message: string }[];
}

const certificates = makeCertificates();
const OIDC: OidcProviderInput = {
  oidEndpoint: 'https://idp.example.com/realms/home',
  oidClientId: 'jellyfin',
};
const SAML: SamlProviderInput = {
  samlEndpoint: 'https://idp.example.com/saml/sso',
  samlClientId: 'jellyfin-sp',
  samlCertificate: certificates.base64,
};

/** A PEM private key cut after its first base64 line: the armour is intact, the key is not. */
function truncatedKey(): string {
  const lines = signingKey().pem.split('\n');
  return [lines[0], lines[1], lines[lines.length - 2]].join('\n');
}

/** A real PKCS#8 PEM private key, and one of its base64 lines to look for in responses, rows and logs. */
function signingKey(): { pem: string; line: string } {
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  return { pem, line: pem.split('\n')[1] ?? '' };
}

function secretValue(label: string): string {
  return `${label}-${randomBytes(12).toString('hex')}`;
}

function fieldsOf(error: unknown): string[] {
  return ((error as Problem | undefined)?.errors ?? []).map((e) => e.field);
}

/** A problem's `errors` name the field (and, for entries, the entry). */
function expectInvalid(result: { response: Response; error?: unknown }, field: string | RegExp): void {
  expect(result.response.status).toBe(400);
  const problem = result.error as Problem;
  expect(problem.code).toBe('invalid_request');
  const fields = fieldsOf(problem);
  if (typeof field === 'string') expect(fields).toContain(field);
  else
    expect(
      fields.some((f) => field.test(f)),
      `${fields.join(', ')} ~ ${String(field)}`,
    ).toBe(true);
}

async function oidcProviders(t: TestApp): Promise<Record<string, OidcProviderConfig>> {
  return (await getOidcProviders({ client: t.admin, throwOnError: true })).data;
}

async function samlProviders(t: TestApp) {
  return (await getSamlProviders({ client: t.admin, throwOnError: true })).data;
}

async function oidcNames(t: TestApp): Promise<string[]> {
  return (await getOidcProviderNames({ client: t.anonymous, throwOnError: true })).data;
}

/** Everything Get and GetNames show, for "nothing stored" checks. */
async function snapshot(t: TestApp) {
  return {
    oidc: await oidcProviders(t),
    saml: await samlProviders(t),
    oidcNames: await oidcNames(t),
    samlNames: (await getSamlProviderNames({ client: t.anonymous, throwOnError: true })).data,
  };
}

/** A request the client cannot express: a path with a literal `..` segment, which fetch would resolve. */
function rawPost(t: TestApp, path: string, body: unknown): Promise<number> {
  const url = new URL(t.baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        headers: {
          Authorization: `MediaBrowser Token="${BOOTSTRAP_KEY}"`,
          'Content-Type': 'application/json',
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Raw bytes of the SQLite database and its -wal/-shm files. */
function sqliteBytes(t: TestApp): Buffer {
  const files = readdirSync(t.dataDir).filter((name) => name.startsWith('sso.sqlite'));
  expect(files).toContain('sso.sqlite');
  return Buffer.concat(files.map((name) => readFileSync(join(t.dataDir, name))));
}

async function providerRows(t: TestApp): Promise<string> {
  const rows = await t.app.database.orm.em
    .fork()
    .getConnection()
    .execute<Record<string, unknown>[]>('select * from sso_provider');
  return JSON.stringify(rows);
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ SSO_RATE_LIMIT: '0' });
});
afterAll(async () => {
  await t.close();
});

describe('OIDC round trip', () => {
  it('when a provider is added in camelCase, then Get shows its settings, GetNames its name, and Del removes it', async () => {
    const secret = secretValue('oidc-secret');
    const body: OidcProviderInput = {
      oidEndpoint: 'https://auth.example.com/application/o/jellyfin/',
      oidClientId: 'jellyfin',
      oidSecret: secret,
      enabled: true,
      enableAuthorization: true,
      enableAllFolders: false,
      enabledFolders: ['f137a2dd21bbc1b99aa5c0f6bf02a805'],
      enableContentDownloading: true,
      applyContentDownloadPermissionOnEveryLogin: true,
      adminRoles: ['jellyfin-admins'],
      preserveAdminPermissions: true,
      roles: ['jellyfin-users'],
      enableFolderRoles: true,
      folderRoleMapping: [{ role: 'kids', folders: ['0C8A4D2E-6F1B-4A3C-9E7D-5B1A2C3D4E5F'] }],
      enableLiveTvRoles: true,
      enableLiveTv: true,
      enableLiveTvManagement: false,
      liveTvRoles: ['tv'],
      liveTvManagementRoles: ['tv-admin'],
      defaultProvider: 'Jellyfin.Server.Implementations.Users.DefaultAuthenticationProvider',
      schemeOverride: 'https',
      portOverride: 8920,
      adoptExistingUsers: true,
      autoRedirect: false,
      roleClaim: 'realm_access.roles',
      oidScopes: ['groups'],
      overrideDefaultScopes: true,
      oidAuthorizationParameters: '{"prompt":"login"}',
      defaultUsernameClaim: 'email',
      avatarUrlFormat: 'https://auth.example.com/avatar/@{sub}',
      disableHttps: true,
      disablePushedAuthorization: true,
      doNotValidateEndpoints: true,
      doNotValidateIssuerName: true,
      doNotLoadProfile: true,
      allowedTenants: ['72F988BF86F141AF91AB2D7CD011DB47'],
    };
    const added = await addOidcProvider({ client: t.admin, path: { provider: 'round-trip' }, body });
    expect(added.response.status).toBe(200);
    expect(added.data).toEqual({ provider: 'round-trip', version: expect.any(String), warnings: [] });

    const stored = (await oidcProviders(t))['round-trip'];
    const { oidSecret: _secret, ...visible } = body;
    expect(stored).toEqual({
      ...visible,
      oidEndpoint: 'https://auth.example.com/application/o/jellyfin',
      folderRoleMapping: [{ role: 'kids', folders: ['0c8a4d2e6f1b4a3c9e7d5b1a2c3d4e5f'] }],
      // Tenant ids are stored in the form `tid` carries them.
      allowedTenants: ['72f988bf-86f1-41af-91ab-2d7cd011db47'],
      hasOidSecret: true,
      version: added.data?.version,
    });
    expect(await oidcNames(t)).toContain('round-trip');

    const del = await deleteOidcProvider({ client: t.admin, path: { provider: 'round-trip' } });
    expect(del.response.status).toBe(200);
    expect(await oidcProviders(t)).not.toHaveProperty('round-trip');
    expect(await oidcNames(t)).not.toContain('round-trip');
    const again = await deleteOidcProvider({ client: t.admin, path: { provider: 'round-trip' } });
    expect(again.response.status).toBe(404);
    expect((again.error as Problem).code).toBe('provider_not_found');
  });

  it("when a provider is added with the plugin's PascalCase keys, then it is stored as the camelCase one", async () => {
    const pascal = {
      OidEndpoint: 'https://idp.example.com/realms/pascal',
      OidClientId: 'pascal-client',
      OidSecret: secretValue('pascal'),
      Enabled: true,
      EnableAuthorization: true,
      AdminRoles: ['admins'],
      Roles: ['users'],
      RoleClaim: 'groups',
      OidScopes: ['groups', 'email'],
      EnableFolderRoles: true,
      FolderRoleMapping: [{ Role: 'kids', Folders: ['f137a2dd21bbc1b99aa5c0f6bf02a805'] }],
      DisablePushedAuthorization: true,
      PortOverride: 443,
      NewPath: true,
      CanonicalLinks: { alice: '5f0c6a0e8d2b4c53a1c9a0f0e3b7d111' },
    };
    const added = await addOidcProvider({
      client: t.admin,
      path: { provider: 'pascal' },
      body: pascal as unknown as OidcProviderInput,
    });
    expect(added.response.status).toBe(200);
    expect((await oidcProviders(t))['pascal']).toMatchObject({
      oidEndpoint: 'https://idp.example.com/realms/pascal',
      oidClientId: 'pascal-client',
      hasOidSecret: true,
      enabled: true,
      enableAuthorization: true,
      adminRoles: ['admins'],
      roles: ['users'],
      roleClaim: 'groups',
      oidScopes: ['groups', 'email'],
      enableFolderRoles: true,
      folderRoleMapping: [{ role: 'kids', folders: ['f137a2dd21bbc1b99aa5c0f6bf02a805'] }],
      disablePushedAuthorization: true,
      portOverride: 443,
    });
  });

  it('when only the endpoint and client id are given, then every other field takes its default', async () => {
    const added = await addOidcProvider({ client: t.admin, path: { provider: 'defaults' }, body: OIDC });
    expect(added.response.status).toBe(200);
    expect((await oidcProviders(t))['defaults']).toEqual({
      oidEndpoint: 'https://idp.example.com/realms/home',
      oidClientId: 'jellyfin',
      hasOidSecret: false,
      enabled: false,
      enableAuthorization: false,
      enableAllFolders: false,
      enabledFolders: [],
      enableContentDownloading: null,
      applyContentDownloadPermissionOnEveryLogin: false,
      adminRoles: [],
      preserveAdminPermissions: false,
      roles: [],
      enableFolderRoles: false,
      folderRoleMapping: [],
      enableLiveTvRoles: false,
      enableLiveTv: false,
      enableLiveTvManagement: false,
      liveTvRoles: [],
      liveTvManagementRoles: [],
      defaultProvider: null,
      schemeOverride: null,
      portOverride: null,
      adoptExistingUsers: false,
      autoRedirect: false,
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
      allowedTenants: [],
      version: added.data?.version,
    });
  });

  it('when lists hold blank entries or padded values, then blanks are dropped and values trimmed', async () => {
    const added = await addOidcProvider({
      client: t.admin,
      path: { provider: 'trimmed' },
      body: {
        ...OIDC,
        oidScopes: ['  groups ', '', '   ', 'email'],
        roles: ['', ' users'],
        adminRoles: ['   '],
        liveTvRoles: [' tv '],
        enabledFolders: ['', ' F137A2DD-21BB-C1B9-9AA5-C0F6BF02A805 '],
        oidClientId: '  padded-client  ',
      },
    });
    expect(added.response.status).toBe(200);
    expect((await oidcProviders(t))['trimmed']).toMatchObject({
      oidClientId: 'padded-client',
      oidScopes: ['groups', 'email'],
      roles: ['users'],
      adminRoles: [],
      liveTvRoles: ['tv'],
      enabledFolders: ['f137a2dd21bbc1b99aa5c0f6bf02a805'],
    });
  });

  it('when oidEndpoint has the discovery suffix or a trailing slash, then it is stored without them', async () => {
    const cases: [string, string][] = [
      ['https://idp.example.com/realms/x', 'https://idp.example.com/realms/x'],
      ['https://idp.example.com/realms/x/', 'https://idp.example.com/realms/x'],
      [
        'https://idp.example.com/realms/x/.well-known/openid-configuration',
        'https://idp.example.com/realms/x',
      ],
      [
        'https://idp.example.com/realms/x/.well-known/openid-configuration/',
        'https://idp.example.com/realms/x',
      ],
      ['  https://idp.example.com/realms/x  ', 'https://idp.example.com/realms/x'],
      ['https://accounts.example.com/', 'https://accounts.example.com'],
      ['http://localhost:9000/.well-known/openid-configuration', 'http://localhost:9000'],
    ];
    for (const [input, stored] of cases) {
      const result = await addOidcProvider({
        client: t.admin,
        path: { provider: 'endpoint' },
        body: { ...OIDC, oidEndpoint: input },
      });
      expect(result.response.status, input).toBe(200);
      expect((await oidcProviders(t))['endpoint']?.oidEndpoint, input).toBe(stored);
    }
  });

  it('when GetNames is called, then disabled providers are listed too, in a stable ordinal order', async () => {
    const names = ['order-b', 'Order-A', 'order-a', 'Order-B', 'order_z', 'order-ä'];
    for (const [i, name] of names.entries()) {
      await addOidcProvider({
        client: t.admin,
        path: { provider: name },
        body: { ...OIDC, enabled: i % 2 === 0 },
        throwOnError: true,
      });
    }
    const listed = (await oidcNames(t)).filter((name) => /^order/i.test(name));
    expect(listed).toEqual(['Order-A', 'Order-B', 'order-a', 'order-b', 'order-ä', 'order_z'].sort());
    expect(listed).toHaveLength(names.length);
    expect((await oidcNames(t)).filter((name) => /^order/i.test(name))).toEqual(listed);
    expect(Object.keys(await oidcProviders(t)).filter((name) => /^order/i.test(name))).toEqual(listed);
  });

  it('when a provider is added again, then its version changes every time and Get shows the latest', async () => {
    const versions: string[] = [];
    for (let i = 0; i < 4; i++) {
      const added = await addOidcProvider({
        client: t.admin,
        path: { provider: 'versioned' },
        body: OIDC,
        throwOnError: true,
      });
      versions.push(added.data.version);
    }
    expect(new Set(versions).size).toBe(4);
    expect((await oidcProviders(t))['versioned']?.version).toBe(versions[3]);
  });

  it('when Del names an unknown provider, then 404 provider_not_found, for both protocols', async () => {
    const oidc = await deleteOidcProvider({ client: t.admin, path: { provider: 'never-added' } });
    expect(oidc.response.status).toBe(404);
    expect((oidc.error as Problem).code).toBe('provider_not_found');
    const saml = await deleteSamlProvider({ client: t.admin, path: { provider: 'never-added' } });
    expect(saml.response.status).toBe(404);
    expect((saml.error as Problem).code).toBe('provider_not_found');
  });

  it('when the same name is added as OIDC and as SAML, then they are separate providers', async () => {
    await addOidcProvider({ client: t.admin, path: { provider: 'both' }, body: OIDC, throwOnError: true });
    await addSamlProvider({ client: t.admin, path: { provider: 'both' }, body: SAML, throwOnError: true });
    await deleteSamlProvider({ client: t.admin, path: { provider: 'both' }, throwOnError: true });
    expect(await oidcProviders(t)).toHaveProperty('both');
    expect(await samlProviders(t)).not.toHaveProperty('both');
  });
});

describe('OIDC input rules (nothing stored on any error)', () => {
  // Semantic checks name the field; whether as a /body/ pointer is checked once, in its own test below.
  const ENDPOINT = /^(\/body\/)?oidEndpoint$/;
  const PARAMS = '^(\\/body\\/)?oidAuthorizationParameters';
  const rejected: [string, Record<string, unknown>, string | RegExp][] = [
    ['a null inside a list', { ...OIDC, roles: ['users', null] }, '/body/roles/1'],
    ['a null inside oidScopes', { ...OIDC, oidScopes: [null] }, '/body/oidScopes/0'],
    ['an unknown field', { ...OIDC, oidSecretz: 'x' }, '/body/oidSecretz'],
    ['a string for a boolean', { ...OIDC, enabled: 'true' }, '/body/enabled'],
    ['a number for a string', { ...OIDC, oidClientId: 42 }, '/body/oidClientId'],
    ['a string for a list', { ...OIDC, roles: 'users' }, '/body/roles'],
    ['a string for the port', { ...OIDC, portOverride: '8096' }, '/body/portOverride'],
    ['a port out of range', { ...OIDC, portOverride: 70000 }, '/body/portOverride'],
    ['a list for a string', { ...OIDC, roleClaim: ['groups'] }, '/body/roleClaim'],
    ['a non-GUID folder', { ...OIDC, enabledFolders: ['movies'] }, '/body/enabledFolders/0'],
    [
      'a non-GUID folder in a mapping',
      { ...OIDC, folderRoleMapping: [{ role: 'kids', folders: ['movies'] }] },
      '/body/folderRoleMapping/0/folders/0',
    ],
    [
      'an unknown field in a mapping',
      { ...OIDC, folderRoleMapping: [{ role: 'r', folders: [], x: 1 }] },
      '/body/folderRoleMapping/0/x',
    ],
    ['a missing client id', { oidEndpoint: OIDC.oidEndpoint }, '/body/oidClientId'],
    ['a blank client id', { ...OIDC, oidClientId: '   ' }, '/body/oidClientId'],
    ['a missing endpoint', { oidClientId: 'x' }, '/body/oidEndpoint'],
    ['an ftp endpoint', { ...OIDC, oidEndpoint: 'ftp://idp.example.com' }, ENDPOINT],
    ['a javascript: endpoint', { ...OIDC, oidEndpoint: 'javascript:alert(1)' }, ENDPOINT],
    ['a relative endpoint', { ...OIDC, oidEndpoint: 'idp.example.com/realms/x' }, ENDPOINT],
    ['an endpoint with credentials', { ...OIDC, oidEndpoint: 'https://u:p@idp.example.com' }, ENDPOINT],
    ['an endpoint with a query', { ...OIDC, oidEndpoint: 'https://idp.example.com/?x=1' }, ENDPOINT],
    ['a bad scheme override', { ...OIDC, schemeOverride: 'ftp' }, '/body/schemeOverride'],
    ['an http endpoint on a LAN address', { ...OIDC, oidEndpoint: 'http://10.0.0.5/realms/x' }, ENDPOINT],
    ['an http endpoint named like loopback', { ...OIDC, oidEndpoint: 'http://127.0.0.1.nip.io' }, ENDPOINT],
    ['a body that is a list', [OIDC] as unknown as Record<string, unknown>, '/body'],
  ];
  const parameterCases: [string, string, RegExp][] = [
    ['a reserved name', '{"client_id":"evil"}', new RegExp(`${PARAMS}.*client_id`)],
    [
      'a reserved name in another case',
      '{"Redirect_URI":"https://evil"}',
      new RegExp(`${PARAMS}.*Redirect_URI`),
    ],
    ['a reserved nonce', '{"prompt":"login","nonce":"n"}', new RegExp(`${PARAMS}.*nonce`)],
    ['a name starting with a digit', '{"1prompt":"x"}', new RegExp(`${PARAMS}.*1prompt`)],
    ['a name with a space', '{"my param":"x"}', new RegExp(`${PARAMS}.*my param`)],
    ['an object value', '{"acr":{"a":1}}', new RegExp(`${PARAMS}.*acr`)],
    ['a null value', '{"acr":null}', new RegExp(`${PARAMS}.*acr`)],
    ['a claims value that is not an object', '{"claims":"x"}', new RegExp(`${PARAMS}.*claims`)],
    ['a duplicate name', '{"prompt":"a","prompt":"b"}', new RegExp(`${PARAMS}.*prompt`)],
    [
      'seventeen entries',
      JSON.stringify(Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`p${i}`, 'v']))),
      new RegExp(`${PARAMS}$`),
    ],
    ['a list instead of an object', '["prompt","login"]', new RegExp(`${PARAMS}$`)],
    ['a bare string', '"prompt=login"', new RegExp(`${PARAMS}$`)],
    ['text that is not JSON', 'prompt=login', new RegExp(`${PARAMS}$`)],
    [
      'a value over 8192 characters',
      JSON.stringify({ login_hint: 'x'.repeat(8193) }),
      new RegExp(`${PARAMS}.*login_hint`),
    ],
  ];

  for (const [what, body, field] of rejected) {
    it(`when the body has ${what}, then 400 names ${String(field)} and nothing is stored`, async () => {
      const before = await snapshot(t);
      const result = await addOidcProvider({
        client: t.admin,
        path: { provider: 'rejected' },
        body: body as unknown as OidcProviderInput,
      });
      expectInvalid(result, field);
      expect(await snapshot(t)).toEqual(before);
    });
  }

  for (const [what, parameters, field] of parameterCases) {
    it(`when oidAuthorizationParameters has ${what}, then 400 names the entry and nothing is stored`, async () => {
      const before = await snapshot(t);
      const result = await addOidcProvider({
        client: t.admin,
        path: { provider: 'rejected' },
        body: { ...OIDC, oidAuthorizationParameters: parameters },
      });
      expectInvalid(result, field);
      expect(await snapshot(t)).toEqual(before);
    });
  }

  it('when oidAuthorizationParameters has 16 scalar entries and a claims object, then it is accepted as sent', async () => {
    const entries: Record<string, unknown> = Object.fromEntries(
      Array.from({ length: 15 }, (_, i) => [`p${i}`, i % 3 === 0 ? true : i % 3 === 1 ? i : `v${i}`]),
    );
    entries['claims'] = { id_token: { email: { essential: true } } };
    const text = JSON.stringify(entries);
    const result = await addOidcProvider({
      client: t.admin,
      path: { provider: 'parameters' },
      body: { ...OIDC, oidAuthorizationParameters: text },
    });
    expect(result.response.status).toBe(200);
    expect((await oidcProviders(t))['parameters']?.oidAuthorizationParameters).toBe(text);
  });

  it('when a rejected Add targets an existing provider, then the stored provider is unchanged', async () => {
    const secret = secretValue('kept');
    await addOidcProvider({
      client: t.admin,
      path: { provider: 'existing' },
      body: { ...OIDC, oidSecret: secret, roles: ['users'] },
      throwOnError: true,
    });
    const before = await snapshot(t);
    for (const body of [
      { ...OIDC, oidSecret: '', roles: [null] },
      { ...OIDC, oidSecret: '', oidEndpoint: 'ftp://x' },
      { ...OIDC, oidSecret: '', oidAuthorizationParameters: '{"state":"x"}' },
    ]) {
      const result = await addOidcProvider({
        client: t.admin,
        path: { provider: 'existing' },
        body: body as unknown as OidcProviderInput,
      });
      expect(result.response.status).toBe(400);
    }
    const after = await snapshot(t);
    expect(after).toEqual(before);
    expect(after.oidc['existing']?.hasOidSecret).toBe(true);
  });

  it('when the provider name is not safe in a path, then 400 or 404 and nothing is stored', async () => {
    const before = await snapshot(t);
    const names = [
      ' leading',
      'trailing ',
      'x'.repeat(65),
      'ctl\u0001char',
      'del\u007fchar',
      'tab\tname',
      'a..b',
      'back\\slash',
      'a/b',
    ];
    for (const name of names) {
      const result = await addOidcProvider({ client: t.admin, path: { provider: name }, body: OIDC });
      expect([400, 404], JSON.stringify(name)).toContain(result.response.status);
      const saml = await addSamlProvider({ client: t.admin, path: { provider: name }, body: SAML });
      expect([400, 404], JSON.stringify(name)).toContain(saml.response.status);
    }
    for (const path of ['/sso/OID/Add/..', '/sso/OID/Add/%2E%2E', '/sso/OID/Add/.', '/sso/SAML/Add/..']) {
      const status = await rawPost(t, path, path.includes('SAML') ? SAML : OIDC);
      expect([400, 404], path).toContain(status);
    }
    expect(await snapshot(t)).toEqual(before);
  });

  it('when a semantic check fails, then errors[].field is a /body/ JSON pointer, like schema errors', async () => {
    // The spec's own BadRequest example: `field: /body/oidEndpoint` for "must be an http(s) URL".
    const endpoint = await addOidcProvider({
      client: t.admin,
      path: { provider: 'pointer' },
      body: { ...OIDC, oidEndpoint: 'ftp://idp.example.com' },
    });
    expect(fieldsOf(endpoint.error)).toEqual(['/body/oidEndpoint']);
    const parameters = await addOidcProvider({
      client: t.admin,
      path: { provider: 'pointer' },
      body: { ...OIDC, oidAuthorizationParameters: '{"state":"x"}' },
    });
    expect(fieldsOf(parameters.error)).toHaveLength(1);
    expect(fieldsOf(parameters.error)[0]).toMatch(/^\/body\/oidAuthorizationParameters\b.*state/);
  });

  it('when the provider name is 64 characters of URL-safe text, then it is accepted', async () => {
    const name = `${'n'.repeat(60)}-._~`;
    const result = await addOidcProvider({ client: t.admin, path: { provider: name }, body: OIDC });
    expect(result.response.status).toBe(200);
    expect(await oidcNames(t)).toContain(name);
  });
});

describe('SAML providers', () => {
  it('when a provider is added with a base64 DER certificate, then Get shows it and its defaults', async () => {
    const added = await addSamlProvider({ client: t.admin, path: { provider: 'keycloak' }, body: SAML });
    expect(added.response.status).toBe(200);
    expect(added.data).toEqual({ provider: 'keycloak', version: expect.any(String), warnings: [] });
    expect((await samlProviders(t))['keycloak']).toEqual({
      samlEndpoint: SAML.samlEndpoint,
      samlClientId: SAML.samlClientId,
      samlCertificate: certificates.base64,
      samlIdpEntityId: null,
      samlSloEndpoint: null,
      samlRoleAttribute: 'Role',
      samlUsernameAttribute: null,
      hasSpSigningKey: false,
      enabled: false,
      enableAuthorization: false,
      enableAllFolders: false,
      enabledFolders: [],
      enableContentDownloading: null,
      applyContentDownloadPermissionOnEveryLogin: false,
      adminRoles: [],
      preserveAdminPermissions: false,
      roles: [],
      enableFolderRoles: false,
      folderRoleMapping: [],
      enableLiveTvRoles: false,
      enableLiveTv: false,
      enableLiveTvManagement: false,
      liveTvRoles: [],
      liveTvManagementRoles: [],
      defaultProvider: null,
      schemeOverride: null,
      portOverride: null,
      adoptExistingUsers: false,
      autoRedirect: false,
      version: added.data?.version,
    });
    const names = (await getSamlProviderNames({ client: t.anonymous, throwOnError: true })).data;
    expect(names).toContain('keycloak');
    expect(
      (await deleteSamlProvider({ client: t.admin, path: { provider: 'keycloak' } })).response.status,
    ).toBe(200);
    expect(await samlProviders(t)).not.toHaveProperty('keycloak');
  });

  it('when the certificate is PEM, wrapped base64 or PascalCase input, then it is stored as one-line base64 DER', async () => {
    const wrapped = certificates.base64.replace(/(.{64})/g, '$1\n');
    const crlfPem = certificates.pem.replace(/\n/g, '\r\n');
    for (const certificate of [certificates.pem, crlfPem, wrapped, `  ${certificates.base64}\n`]) {
      const result = await addSamlProvider({
        client: t.admin,
        path: { provider: 'pem' },
        body: { ...SAML, samlCertificate: certificate },
      });
      expect(result.response.status).toBe(200);
      expect((await samlProviders(t))['pem']?.samlCertificate).toBe(certificates.base64);
    }
    const pascal = {
      SamlEndpoint: SAML.samlEndpoint,
      SamlClientId: 'pascal-sp',
      SamlCertificate: certificates.pem,
      Enabled: true,
      Roles: ['users'],
    };
    const result = await addSamlProvider({
      client: t.admin,
      path: { provider: 'pem' },
      body: pascal as unknown as SamlProviderInput,
    });
    expect(result.response.status).toBe(200);
    expect((await samlProviders(t))['pem']).toMatchObject({
      samlClientId: 'pascal-sp',
      samlCertificate: certificates.base64,
      enabled: true,
      roles: ['users'],
    });
  });

  it('when the certificate has expired, then it is accepted with a warning in the Add response', async () => {
    const result = await addSamlProvider({
      client: t.admin,
      path: { provider: 'expired' },
      body: { ...SAML, samlCertificate: certificates.expiredPem },
    });
    expect(result.response.status).toBe(200);
    expect(result.data?.warnings).toHaveLength(1);
    expect(result.data?.warnings[0]).toMatch(/samlCertificate.*expired/i);
    expect((await samlProviders(t))['expired']?.samlCertificate).toBe(certificates.expiredBase64);
  });

  const rejected: [string, Record<string, unknown>, string][] = [
    ['a garbage certificate', { ...SAML, samlCertificate: 'not a certificate' }, '/body/samlCertificate'],
    [
      'base64 that is no certificate',
      { ...SAML, samlCertificate: randomBytes(300).toString('base64') },
      '/body/samlCertificate',
    ],
    [
      'a PEM private key instead of a certificate',
      { ...SAML, samlCertificate: '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----' },
      '/body/samlCertificate',
    ],
    [
      'a truncated certificate',
      { ...SAML, samlCertificate: certificates.base64.slice(0, 200) },
      '/body/samlCertificate',
    ],
    [
      'a missing certificate',
      { samlEndpoint: SAML.samlEndpoint, samlClientId: 'x' },
      '/body/samlCertificate',
    ],
    ['a non-http endpoint', { ...SAML, samlEndpoint: 'ldap://idp.example.com' }, '/body/samlEndpoint'],
    ['a non-URL endpoint', { ...SAML, samlEndpoint: 'idp' }, '/body/samlEndpoint'],
    ['an OIDC field', { ...SAML, oidClientId: 'x' }, '/body/oidClientId'],
    ['a null inside roles', { ...SAML, roles: [null] }, '/body/roles/0'],
    [
      'a signing key that is not PEM',
      { ...SAML, samlSpSigningKey: 'secret-but-not-pem' },
      '/body/samlSpSigningKey',
    ],
    // The login reads the key with the same reader: whatever Add accepts signs later (no 500 at start).
    [
      'a PEM signing key whose body is not a key',
      { ...SAML, samlSpSigningKey: '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----' },
      '/body/samlSpSigningKey',
    ],
    ['a truncated PEM signing key', { ...SAML, samlSpSigningKey: truncatedKey() }, '/body/samlSpSigningKey'],
    [
      'an Ed25519 signing key (SAML redirect signing has no algorithm for it)',
      {
        ...SAML,
        samlSpSigningKey: generateKeyPairSync('ed25519')
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
      },
      '/body/samlSpSigningKey',
    ],
    [
      'a signing key bundled with a certificate of another key',
      { ...SAML, samlSpSigningKey: `${signingKey().pem}\n${certificates.pem}` },
      '/body/samlSpSigningKey',
    ],
  ];
  for (const [what, body, field] of rejected) {
    it(`when the body has ${what}, then 400 names ${field} and nothing is stored`, async () => {
      const before = await snapshot(t);
      const result = await addSamlProvider({
        client: t.admin,
        path: { provider: 'saml-rejected' },
        body: body as unknown as SamlProviderInput,
      });
      expectInvalid(result, field);
      expect(await snapshot(t)).toEqual(before);
    });
  }
});

describe('secrets', () => {
  it('when oidSecret is set, then no response and no log line contains it, and hasOidSecret is true', async () => {
    const secret = secretValue('never-shown');
    const added = await addOidcProvider({
      client: t.admin,
      path: { provider: 'secretive' },
      body: { ...OIDC, oidSecret: secret },
    });
    expect(added.response.status).toBe(200);
    expect(JSON.stringify(added.data)).not.toContain(secret);
    const get = await getOidcProviders({ client: t.admin });
    expect(JSON.stringify(get.data)).not.toContain(secret);
    expect(get.data?.['secretive']?.hasOidSecret).toBe(true);
    expect(get.data?.['secretive']).not.toHaveProperty('oidSecret');
    // A failing Add carrying the secret must not echo it either.
    const failed = await addOidcProvider({
      client: t.admin,
      path: { provider: 'secretive' },
      body: { ...OIDC, oidSecret: secret, enabled: 'no' as unknown as boolean },
    });
    expect(failed.response.status).toBe(400);
    expect(JSON.stringify(failed.error)).not.toContain(secret);
    const tooLong = await addOidcProvider({
      client: t.admin,
      path: { provider: 'secretive' },
      body: { ...OIDC, oidSecret: `${secret}${'x'.repeat(5000)}` },
    });
    expect(tooLong.response.status).toBe(400);
    expect(JSON.stringify(tooLong.error)).not.toContain(secret);
    expect(t.logs()).not.toContain(secret);
  });

  it('when Add omits oidSecret or sends null, then the stored secret is kept; an empty string clears it', async () => {
    const secret = secretValue('keep');
    await addOidcProvider({
      client: t.admin,
      path: { provider: 'keeper' },
      body: { ...OIDC, oidSecret: secret },
      throwOnError: true,
    });
    const has = async () => (await oidcProviders(t))['keeper']?.hasOidSecret;
    expect(await has()).toBe(true);
    await addOidcProvider({
      client: t.admin,
      path: { provider: 'keeper' },
      body: { ...OIDC, enabled: true },
      throwOnError: true,
    });
    expect(await has()).toBe(true);
    await addOidcProvider({
      client: t.admin,
      path: { provider: 'keeper' },
      body: { ...OIDC, oidSecret: null },
      throwOnError: true,
    });
    expect(await has()).toBe(true);
    await addOidcProvider({
      client: t.admin,
      path: { provider: 'keeper' },
      body: { ...OIDC, oidSecret: '' },
      throwOnError: true,
    });
    expect(await has()).toBe(false);
    await addOidcProvider({ client: t.admin, path: { provider: 'keeper' }, body: OIDC, throwOnError: true });
    expect(await has()).toBe(false);
    await addOidcProvider({
      client: t.admin,
      path: { provider: 'keeper' },
      body: { ...OIDC, oidSecret: secret },
      throwOnError: true,
    });
    expect(await has()).toBe(true);
  });

  it('when a SAML signing key is set, then it is write-only like oidSecret', async () => {
    const { pem: keyPem, line: keyLine } = signingKey();
    const added = await addSamlProvider({
      client: t.admin,
      path: { provider: 'signing' },
      body: { ...SAML, samlSpSigningKey: keyPem },
    });
    expect(added.response.status).toBe(200);
    const get = await getSamlProviders({ client: t.admin, throwOnError: true });
    expect(get.data['signing']?.hasSpSigningKey).toBe(true);
    expect(JSON.stringify(get.data)).not.toContain(keyLine);
    await addSamlProvider({ client: t.admin, path: { provider: 'signing' }, body: SAML, throwOnError: true });
    expect((await samlProviders(t))['signing']?.hasSpSigningKey).toBe(true);
    await addSamlProvider({
      client: t.admin,
      path: { provider: 'signing' },
      body: { ...SAML, samlSpSigningKey: '' },
      throwOnError: true,
    });
    expect((await samlProviders(t))['signing']?.hasSpSigningKey).toBe(false);
    expect(t.logs()).not.toContain(keyLine);
  });

  it('when a secret is stored, then neither the SQLite files nor the provider rows hold it in clear', async () => {
    const secret = secretValue('at-rest');
    const { pem: keyPem, line: keyBody } = signingKey();
    await addOidcProvider({
      client: t.admin,
      path: { provider: 'at-rest' },
      body: { ...OIDC, oidSecret: secret },
      throwOnError: true,
    });
    await addSamlProvider({
      client: t.admin,
      path: { provider: 'at-rest' },
      body: { ...SAML, samlSpSigningKey: keyPem },
      throwOnError: true,
    });
    // The rows exist (the check below is not vacuous) …
    const rows = await providerRows(t);
    expect(rows).toContain('at-rest');
    // … and hold neither secret.
    expect(rows).not.toContain(secret);
    expect(rows).not.toContain(keyBody);
    const bytes = sqliteBytes(t);
    expect(bytes.includes(Buffer.from('at-rest', 'utf8'))).toBe(true);
    expect(bytes.includes(Buffer.from(secret, 'utf8'))).toBe(false);
    expect(bytes.includes(Buffer.from(keyBody, 'utf8'))).toBe(false);
  });
});

describe('States', () => {
  it('when no login flow is open, then States answers an empty object to an API key', async () => {
    const result = await getOidcStates({ client: t.admin });
    expect(result.response.status).toBe(200);
    expect(result.data).toEqual({});
  });
});

describe('Unregister', () => {
  it('when the user does not exist, then 404 user_not_found', async () => {
    const result = await unregisterUser({
      client: t.admin,
      path: { username: 'nobody-here' },
      body: DEFAULT_AUTH_PROVIDER_ID,
    });
    expect(result.response.status).toBe(404);
    expect((result.error as Problem).code).toBe('user_not_found');
  });

  it('when the body is not a JSON string, then 400 and the user is unchanged', async () => {
    const name = uniqueUserName('shape');
    const user = await directoryOf(t).createUser(name);
    for (const body of [123, {}, null, [DEFAULT_AUTH_PROVIDER_ID], true]) {
      const result = await unregisterUser({
        client: t.admin,
        path: { username: name },
        body: body as unknown as string,
      });
      expect(result.response.status, JSON.stringify(body)).toBe(400);
      expect((result.error as Problem).code).toBe('invalid_request');
    }
    expect((await directoryOf(t).getUserById(user.id))?.policy.AuthenticationProviderId).toBe(
      SSO_AUTH_PROVIDER_ID,
    );
  });

  it('when the body is an empty or blank string, then 400', async () => {
    const name = uniqueUserName('blank');
    await directoryOf(t).createUser(name);
    for (const body of ['', '   ']) {
      const result = await unregisterUser({ client: t.admin, path: { username: name }, body });
      expect(result.response.status, JSON.stringify(body)).toBe(400);
    }
    expect((await directoryOf(t).getUserByName(name))?.policy.AuthenticationProviderId).toBe(
      SSO_AUTH_PROVIDER_ID,
    );
  });

  it('when the body is a JSON string that also parses as a number, then it is still taken as a string', async () => {
    const name = uniqueUserName('numeric');
    await directoryOf(t).createUser(name);
    const result = await unregisterUser({ client: t.admin, path: { username: name }, body: '123' });
    expect(result.response.status).toBe(200);
    expect((await directoryOf(t).getUserByName(name))?.policy.AuthenticationProviderId).toBe('123');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Persistence, concurrency and Unregister on each database.

for (const target of appDatabaseTargets('provider-admin cases')) {
  describeOn(target, `on ${target.dialect}`, () => {
    let app: TestApp;
    let env: Record<string, string>;
    let cleanup: () => Promise<void> = async () => undefined;

    beforeAll(async () => {
      const prepared = await target.prepare();
      env = { ...prepared.env, SSO_RATE_LIMIT: '0' };
      cleanup = prepared.cleanup;
      app = await startTestApp(env);
    });
    afterAll(async () => {
      await app?.close();
      await cleanup();
    });

    async function restart(): Promise<void> {
      await app.stop();
      app = await startTestApp(env, { dataDir: app.dataDir });
    }

    it('when the service restarts on the same data, then providers, versions and secrets survive', async () => {
      const secret = secretValue('restart');
      await addOidcProvider({
        client: app.admin,
        path: { provider: 'durable' },
        body: { ...OIDC, oidSecret: secret, enabled: true, roles: ['users'] },
        throwOnError: true,
      });
      await addSamlProvider({
        client: app.admin,
        path: { provider: 'durable-saml' },
        body: SAML,
        throwOnError: true,
      });
      const before = await snapshot(app);
      expect(before.oidc['durable']?.hasOidSecret).toBe(true);

      await restart();
      expect(await snapshot(app)).toEqual(before);

      // The secret still opens after the restart: an Add without it keeps it.
      await addOidcProvider({
        client: app.admin,
        path: { provider: 'durable' },
        body: OIDC,
        throwOnError: true,
      });
      expect((await oidcProviders(app))['durable']?.hasOidSecret).toBe(true);
      await restart();
      expect((await oidcProviders(app))['durable']?.hasOidSecret).toBe(true);
      expect(app.logs()).not.toContain(secret);
    });

    it('when several Adds of the same new name race, then exactly one consistent provider exists', async () => {
      const name = `race-${randomBytes(3).toString('hex')}`;
      const bodies = Array.from({ length: 6 }, (_, i) => ({
        oidEndpoint: `https://idp${i}.example.com`,
        oidClientId: `client-${i}`,
        oidSecret: secretValue(`race${i}`),
        roles: [`role-${i}`],
      }));
      const results = await Promise.all(
        bodies.map((body) => addOidcProvider({ client: app.admin, path: { provider: name }, body })),
      );
      expect(results.map((r) => r.response.status)).toEqual(bodies.map(() => 200));
      const versions = results.map((r) => r.data?.version);
      expect(new Set(versions).size).toBe(bodies.length);

      const providers = await oidcProviders(app);
      expect((await oidcNames(app)).filter((n) => n === name)).toHaveLength(1);
      const stored = providers[name];
      const winner = bodies.findIndex((b) => b.oidClientId === stored?.oidClientId);
      expect(winner).toBeGreaterThanOrEqual(0);
      expect(stored).toMatchObject({
        oidEndpoint: bodies[winner]?.oidEndpoint,
        roles: bodies[winner]?.roles,
        hasOidSecret: true,
        version: versions[winner],
      });
      const rows = await app.app.database.orm.em
        .fork()
        .getConnection()
        .execute<{ n: number | string }[]>(`select count(*) as n from sso_provider where name = '${name}'`);
      expect(Number(rows[0]?.n)).toBe(1);
    });

    it('when Unregister names a user in another letter case, then the provider id changes and survives a restart', async () => {
      const name = uniqueUserName('Alice');
      const user = await directoryOf(app).createUser(name);
      expect(user.policy.AuthenticationProviderId).toBe(SSO_AUTH_PROVIDER_ID);
      const result = await unregisterUser({
        client: app.admin,
        path: { username: name.toUpperCase() },
        body: DEFAULT_AUTH_PROVIDER_ID,
      });
      expect(result.response.status).toBe(200);
      expect((await app.app.mediaServer.getUserByName(name))?.policy.AuthenticationProviderId).toBe(
        DEFAULT_AUTH_PROVIDER_ID,
      );
      await restart();
      const after = await app.app.mediaServer.getUserByName(name.toLowerCase());
      expect(after?.id).toBe(user.id);
      expect(after?.policy.AuthenticationProviderId).toBe(DEFAULT_AUTH_PROVIDER_ID);
    });
  });
}
