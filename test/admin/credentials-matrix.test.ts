// The credential matrix (docs/security.md §2, docs/plugin-compatibility.md §2.2, docs/jellyfin-api.md §1): every elevated
// operation of the spec, called through the generated client with every kind of caller.
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
  listLibraries,
  listActivity,
  testOidcProvider,
  testSamlProvider,
  importSamlMetadata,
  previewOidcSignIn,
  previewSamlSignIn,
  searchUsers,
  unregisterUser,
  type Client,
} from '../../clients/typescript/index.js';
import { createSsoClient } from '../../clients/typescript/index.js';
import { SPEC_PATH } from '../../src/app.js';
import { loadSpec } from '../../src/http/api.js';
import { BOOTSTRAP_KEY, startTestApp, type TestApp } from '../support/app.js';
import {
  CREDENTIAL_FORMS,
  clientWithCredential,
  createUserWithToken,
  directoryOf,
  disableUserKeepingSessions,
} from '../support/users.js';
import { makeCertificates } from './certificates.js';

interface Call {
  /** The status an allowed caller gets (the call is built to succeed or to hit a known 404). */
  allowed: number;
  run(client: Client): Promise<{ response: Response; error?: unknown }>;
}

const certificates = makeCertificates();

/** One call per elevated operation of the spec, by operationId. */
const ELEVATED_CALLS: Record<string, Call> = {
  addOidcProvider: {
    allowed: 200,
    run: (client) =>
      addOidcProvider({
        client,
        path: { provider: 'matrix-oidc' },
        body: { oidEndpoint: 'https://idp.example.com', oidClientId: 'jellyfin', oidSecret: 'matrix-secret' },
      }),
  },
  deleteOidcProvider: {
    allowed: 404,
    run: (client) => deleteOidcProvider({ client, path: { provider: 'matrix-absent' } }),
  },
  getOidcProviders: { allowed: 200, run: (client) => getOidcProviders({ client }) },
  getOidcStates: { allowed: 200, run: (client) => getOidcStates({ client }) },
  addSamlProvider: {
    allowed: 200,
    run: (client) =>
      addSamlProvider({
        client,
        path: { provider: 'matrix-saml' },
        body: {
          samlEndpoint: 'https://idp.example.com/saml',
          samlClientId: 'jellyfin',
          samlCertificate: certificates.base64,
        },
      }),
  },
  deleteSamlProvider: {
    allowed: 404,
    run: (client) => deleteSamlProvider({ client, path: { provider: 'matrix-absent' } }),
  },
  getSamlProviders: { allowed: 200, run: (client) => getSamlProviders({ client }) },
  unregisterUser: {
    allowed: 404,
    run: (client) =>
      unregisterUser({
        client,
        path: { username: 'matrix-nobody' },
        body: 'Jellyfin.Server.Implementations.Users.DefaultAuthenticationProvider',
      }),
  },
  listLibraries: { allowed: 200, run: (client) => listLibraries({ client }) },
  listActivity: { allowed: 200, run: (client) => listActivity({ client }) },
  searchUsers: { allowed: 200, run: (client) => searchUsers({ client, query: { search: 'matrix' } }) },
  testOidcProvider: {
    allowed: 404,
    run: (client) => testOidcProvider({ client, path: { provider: 'matrix-absent' } }),
  },
  testSamlProvider: {
    allowed: 404,
    run: (client) => testSamlProvider({ client, path: { provider: 'matrix-absent' } }),
  },
  previewOidcSignIn: {
    allowed: 404,
    run: (client) =>
      previewOidcSignIn({ client, path: { provider: 'matrix-absent' }, body: { claims: { sub: 'x' } } }),
  },
  previewSamlSignIn: {
    allowed: 404,
    run: (client) =>
      previewSamlSignIn({ client, path: { provider: 'matrix-absent' }, body: { attributes: {} } }),
  },
  importSamlMetadata: {
    allowed: 400,
    run: (client) => importSamlMetadata({ client, body: { xml: '<not-metadata/>' } }),
  },
};

/** Operations whose access rule is `elevated` in openapi.yaml (explicit, or by the global security). */
function elevatedOperationIds(): string[] {
  const spec = loadSpec(SPEC_PATH);
  const ids: string[] = [];
  for (const item of Object.values(spec.paths ?? {})) {
    for (const op of Object.values(item ?? {}) as Record<string, unknown>[]) {
      if (typeof op !== 'object' || op === null || typeof op['operationId'] !== 'string') continue;
      const rule = op['x-sso-access'];
      const security = op['security'] as unknown[] | undefined;
      const elevated =
        rule === undefined ? !(Array.isArray(security) && security.length === 0) : rule === 'elevated';
      if (elevated) ids.push(op['operationId']);
    }
  }
  return ids.sort();
}

let t: TestApp;
let adminToken: string;
let userToken: string;
let disabledToken: string;
let disabledKeptToken: string;
let extraApiKey: string;
let revokedApiKey: string;

beforeAll(async () => {
  t = await startTestApp({ SSO_RATE_LIMIT: '0' });
  adminToken = (await createUserWithToken(t, { admin: true })).token;
  userToken = (await createUserWithToken(t)).token;

  const directory = directoryOf(t);
  const disabled = await createUserWithToken(t);
  await directory.updatePolicy(disabled.user.id, (policy) => ({ ...policy, IsDisabled: true }));
  disabledToken = disabled.token;
  const kept = await createUserWithToken(t);
  await disableUserKeepingSessions(t, kept.user.id);
  disabledKeptToken = kept.token;

  extraApiKey = (await directory.createApiKey('matrix')).key;
  const revoked = await directory.createApiKey('revoked');
  await directory.revokeApiKey(revoked.info.id);
  revokedApiKey = revoked.key;
});
afterAll(async () => {
  await t.close();
});

async function expectStatus(call: Call, client: Client, status: number, code?: string): Promise<void> {
  const result = await call.run(client);
  expect(result.response.status).toBe(status);
  if (code !== undefined) expect((result.error as { code?: string }).code).toBe(code);
}

it('when the spec marks operations elevated, then this matrix covers exactly those', () => {
  expect(elevatedOperationIds()).toEqual(Object.keys(ELEVATED_CALLS).sort());
});

for (const [operationId, call] of Object.entries(ELEVATED_CALLS)) {
  describe(operationId, () => {
    it('when no credential is sent, then 401', async () => {
      await expectStatus(call, t.anonymous, 401, 'unauthenticated');
    });

    it('when an unknown token is sent, then 401', async () => {
      await expectStatus(call, t.clientWith('0123456789abcdef0123456789abcdef'), 401, 'unauthenticated');
    });

    it('when a revoked API key is sent, then 401', async () => {
      await expectStatus(call, t.clientWith(revokedApiKey), 401, 'unauthenticated');
    });

    it('when the bootstrap key is sent with another scheme (Bearer), then 401', async () => {
      const client = createSsoClient({
        baseUrl: t.baseUrl,
        config: { headers: { Authorization: `Bearer ${BOOTSTRAP_KEY}` } },
      });
      await expectStatus(call, client, 401, 'unauthenticated');
    });

    it('when the bootstrap key is sent with a lower-case token key (token="…"), then 401', async () => {
      const client = createSsoClient({
        baseUrl: t.baseUrl,
        config: { headers: { Authorization: `MediaBrowser token="${BOOTSTRAP_KEY}"` } },
      });
      await expectStatus(call, client, 401, 'unauthenticated');
    });

    for (const form of CREDENTIAL_FORMS) {
      it(`when the bootstrap API key is sent as ${form}, then it is allowed`, async () => {
        await expectStatus(call, clientWithCredential(t.baseUrl, form, BOOTSTRAP_KEY), call.allowed);
      });
    }

    it('when the bootstrap API key is sent with the legacy Emby scheme, then it is allowed', async () => {
      const client = createSsoClient({
        baseUrl: t.baseUrl,
        config: { headers: { Authorization: `Emby Token="${BOOTSTRAP_KEY}"` } },
      });
      await expectStatus(call, client, call.allowed);
    });

    it('when another API key is sent, then it is allowed', async () => {
      await expectStatus(call, t.clientWith(extraApiKey), call.allowed);
    });

    it("when an administrator's token is sent, then it is allowed", async () => {
      await expectStatus(call, t.clientWith(adminToken), call.allowed);
    });

    it("when an administrator's token is sent as X-Emby-Token, then it is allowed", async () => {
      await expectStatus(call, clientWithCredential(t.baseUrl, 'X-Emby-Token', adminToken), call.allowed);
    });

    it("when a non-administrator's token is sent, then 403", async () => {
      await expectStatus(call, t.clientWith(userToken), 403, 'forbidden');
    });

    it("when a non-administrator's token is sent as ?api_key=, then 403", async () => {
      await expectStatus(call, clientWithCredential(t.baseUrl, 'api_key', userToken), 403, 'forbidden');
    });

    it("when a disabled user's token is sent, then 401", async () => {
      await expectStatus(call, t.clientWith(disabledToken), 401, 'unauthenticated');
    });

    it("when the token of a user disabled behind the directory's back is sent, then 401", async () => {
      await expectStatus(call, t.clientWith(disabledKeptToken), 401, 'unauthenticated');
    });
  });
}

describe('public operations', () => {
  it('when GetNames is called without a credential, then 200 for both protocols', async () => {
    const oidc = await getOidcProviderNames({ client: t.anonymous });
    expect(oidc.response.status).toBe(200);
    expect(Array.isArray(oidc.data)).toBe(true);
    const saml = await getSamlProviderNames({ client: t.anonymous });
    expect(saml.response.status).toBe(200);
    expect(Array.isArray(saml.data)).toBe(true);
  });

  it('when GetNames is called with an unknown or non-admin token, then it still answers 200', async () => {
    for (const token of ['0123456789abcdef0123456789abcdef', userToken, disabledToken]) {
      expect((await getOidcProviderNames({ client: t.clientWith(token) })).response.status).toBe(200);
      expect((await getSamlProviderNames({ client: t.clientWith(token) })).response.status).toBe(200);
    }
  });
});

describe('logs', () => {
  it('when every credential form was used, then no token appears in any log line', () => {
    const logs = t.logs();
    for (const token of [BOOTSTRAP_KEY, adminToken, userToken, disabledToken, extraApiKey, revokedApiKey]) {
      expect(logs).not.toContain(token);
    }
    expect(logs).not.toContain('matrix-secret');
  });
});
