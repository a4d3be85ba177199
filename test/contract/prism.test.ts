// Prism, the generated client and the spec agree (issue 2 §8): Prism serves openapi.yaml, every operation
// is called through the generated client, answers its documented success status, and the example Prism
// returns validates against the documented response schema (JSON Schema 2020-12, as OpenAPI 3.1 uses).
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addOidcProvider,
  addSamlProvider,
  authenticateOidc,
  authenticateSaml,
  authenticateWithQuickConnect,
  authorizeDevice,
  completeOidcLogin,
  completeOidcLoginAlias,
  createLink,
  createSsoClient,
  deleteLink,
  getAppPassword,
  createAppPassword,
  revokeAppPassword,
  listDevices,
  signOutDevice,
  signOutOtherDevices,
  authenticateByName,
  deleteOidcProvider,
  deleteSamlProvider,
  getAccountPage,
  getAdminConsole,
  getAdminConsoleAsset,
  getDevicePage,
  getHealth,
  getHome,
  getLandingPage,
  getLandingPageAlias,
  getOidcProviderNames,
  getOidcProviders,
  getOidcStates,
  getQuickConnectEnabled,
  getQuickConnectState,
  getReadiness,
  getSamlMetadata,
  getSamlProviderNames,
  getSamlProviders,
  listLibraries,
  listActivity,
  listLinkDetails,
  searchUsers,
  listOidcLinks,
  listSamlLinks,
  receiveSamlLogout,
  receiveSamlResponse,
  receiveSamlResponseAlias,
  startOidcLogin,
  startOidcLoginAlias,
  startSamlLogin,
  startSamlLoginAlias,
  startDeviceSignIn,
  testOidcProvider,
  testSamlProvider,
  importSamlMetadata,
  initiateQuickConnect,
  previewOidcSignIn,
  previewSamlSignIn,
  unregisterUser,
  getLogoutPage,
  endLogout,
  receiveOidcBackChannelLogout,
  type AuthRequest,
  type Client,
} from '../../clients/typescript/index.js';
import { SPEC_PATH } from '../../src/app.js';
import { loadSpec } from '../../src/http/api.js';
import { startPrism, type PrismServer } from '../support/prism.js';

type Json = Record<string, unknown>;
type AddFormats = (ajv: Ajv2020) => Ajv2020;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ??
  (addFormatsModule as unknown as AddFormats);

const spec = loadSpec(SPEC_PATH) as unknown as Json;

interface SpecOperation {
  operationId: string;
  method: string;
  path: string;
  /** Documented responses by status, `$ref`s resolved. */
  responses: Record<string, Json>;
}

function resolve(node: unknown): Json {
  let current = node as Json;
  while (typeof current['$ref'] === 'string') {
    let target: unknown = spec;
    for (const part of current['$ref'].replace(/^#\//, '').split('/')) target = (target as Json)[part];
    current = target as Json;
  }
  return current;
}

function specOperations(): SpecOperation[] {
  const out: SpecOperation[] = [];
  for (const [path, item] of Object.entries(spec['paths'] as Record<string, Json>)) {
    for (const [method, op] of Object.entries(item)) {
      if (typeof op !== 'object' || op === null || !('operationId' in op)) continue;
      const responses = Object.fromEntries(
        Object.entries((op as Json)['responses'] as Json).map(([status, response]) => [
          status,
          resolve(response),
        ]),
      );
      out.push({ operationId: String((op as Json)['operationId']), method, path, responses });
    }
  }
  return out;
}

/** The documented success: the lowest 2xx/3xx status. */
function successStatus(op: SpecOperation): number {
  const statuses = Object.keys(op.responses)
    .map(Number)
    .filter((s) => s >= 200 && s < 400)
    .sort((a, b) => a - b);
  const first = statuses[0];
  if (first === undefined) throw new Error(`${op.operationId} documents no success response`);
  return first;
}

const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
addFormats(ajv);

/** Validates `value` against a response schema; `#/components/...` refs resolve inside a wrapper document. */
function schemaErrors(schema: unknown, value: unknown, id: string): string | null {
  const validate =
    ajv.getSchema(id) ??
    ajv.compile({
      $id: id,
      components: spec['components'],
      $defs: { target: schema },
      $ref: '#/$defs/target',
    });
  return validate(value) ? null : ajv.errorsText(validate.errors);
}

const AUTH_BODY: AuthRequest = {
  deviceId: 'TW96aWxsYS81LjA',
  deviceName: 'Firefox',
  appName: 'Jellyfin Web',
  appVersion: '10.11.0',
  data: 'Xq3v7J0c9mWbQe2t5yK8sN1aL4pR6uZo0hGdFfCiT-M',
};
const USER_ID = '5f0c6a0e8d2b4c53a1c9a0f0e3b7d111';
const SAML_FORM = { SAMLResponse: 'PHNhbWxwOlJlc3BvbnNlLz4=', RelayState: 'relay' };

interface CallOptions {
  client: Client;
  headers?: Record<string, string>;
  redirect: RequestRedirect;
  parseAs?: 'text';
}
type Result = Promise<{ response: Response; data?: unknown; error?: unknown }>;

/** One generated-client call per operationId. A new operation without an entry here fails the suite. */
const CALLS: Record<string, (o: CallOptions) => Result> = {
  startOidcLogin: (o) =>
    startOidcLogin({ ...o, path: { provider: 'authentik' }, query: { isLinking: false } }),
  startOidcLoginAlias: (o) => startOidcLoginAlias({ ...o, path: { provider: 'authentik' } }),
  completeOidcLogin: (o) =>
    completeOidcLogin({ ...o, path: { provider: 'authentik' }, query: { code: 'c0de', state: 'st4te' } }),
  completeOidcLoginAlias: (o) =>
    completeOidcLoginAlias({
      ...o,
      path: { provider: 'authentik' },
      query: { code: 'c0de', state: 'st4te' },
    }),
  authenticateOidc: (o) => authenticateOidc({ ...o, path: { provider: 'authentik' }, body: AUTH_BODY }),
  addOidcProvider: (o) =>
    addOidcProvider({
      ...o,
      path: { provider: 'authentik' },
      body: { oidEndpoint: 'https://auth.example.com', oidClientId: 'jellyfin' },
    }),
  deleteOidcProvider: (o) => deleteOidcProvider({ ...o, path: { provider: 'authentik' } }),
  getOidcProviders: (o) => getOidcProviders(o),
  getOidcProviderNames: (o) => getOidcProviderNames(o),
  getOidcStates: (o) => getOidcStates(o),
  startSamlLogin: (o) => startSamlLogin({ ...o, path: { provider: 'keycloak' } }),
  startSamlLoginAlias: (o) => startSamlLoginAlias({ ...o, path: { provider: 'keycloak' } }),
  receiveSamlResponse: (o) => receiveSamlResponse({ ...o, path: { provider: 'keycloak' }, body: SAML_FORM }),
  receiveSamlResponseAlias: (o) =>
    receiveSamlResponseAlias({ ...o, path: { provider: 'keycloak' }, body: SAML_FORM }),
  authenticateSaml: (o) => authenticateSaml({ ...o, path: { provider: 'keycloak' }, body: AUTH_BODY }),
  getSamlMetadata: (o) => getSamlMetadata({ ...o, path: { provider: 'keycloak' } }),
  addSamlProvider: (o) =>
    addSamlProvider({
      ...o,
      path: { provider: 'keycloak' },
      body: {
        samlEndpoint: 'https://idp.example.com/sso',
        samlClientId: 'jellyfin',
        samlCertificate: 'MIIC',
      },
    }),
  deleteSamlProvider: (o) => deleteSamlProvider({ ...o, path: { provider: 'keycloak' } }),
  getSamlProviders: (o) => getSamlProviders(o),
  getSamlProviderNames: (o) => getSamlProviderNames(o),
  createLink: (o) =>
    createLink({
      ...o,
      path: { mode: 'oid', provider: 'authentik', jellyfinUserId: USER_ID },
      body: AUTH_BODY,
    }),
  deleteLink: (o) =>
    deleteLink({
      ...o,
      path: { mode: 'saml', provider: 'keycloak', jellyfinUserId: USER_ID, canonicalName: 'alice' },
    }),
  listOidcLinks: (o) => listOidcLinks({ ...o, path: { jellyfinUserId: USER_ID } }),
  listSamlLinks: (o) => listSamlLinks({ ...o, path: { jellyfinUserId: USER_ID } }),
  listLinkDetails: (o) => listLinkDetails({ ...o, path: { jellyfinUserId: USER_ID } }),
  getAppPassword: (o) => getAppPassword({ ...o, path: { jellyfinUserId: USER_ID } }),
  createAppPassword: (o) => createAppPassword({ ...o, path: { jellyfinUserId: USER_ID } }),
  revokeAppPassword: (o) => revokeAppPassword({ ...o, path: { jellyfinUserId: USER_ID } }),
  listDevices: (o) => listDevices({ ...o, path: { jellyfinUserId: USER_ID } }),
  signOutDevice: (o) => signOutDevice({ ...o, path: { jellyfinUserId: USER_ID, deviceId: 'phone-1' } }),
  signOutOtherDevices: (o) => signOutOtherDevices({ ...o, path: { jellyfinUserId: USER_ID } }),
  authenticateByName: (o) => authenticateByName({ ...o, body: { Username: 'alice', Pw: 'app-password' } }),
  searchUsers: (o) => searchUsers({ ...o, query: { search: 'ali', limit: 20 } }),
  unregisterUser: (o) =>
    unregisterUser({
      ...o,
      path: { username: 'alice' },
      body: 'Jellyfin.Server.Implementations.Users.DefaultAuthenticationProvider',
    }),
  listLibraries: (o) => listLibraries(o),
  listActivity: (o) => listActivity({ ...o, query: { limit: 10, outcome: 'refused' } }),
  testOidcProvider: (o) => testOidcProvider({ ...o, path: { provider: 'authentik' } }),
  testSamlProvider: (o) => testSamlProvider({ ...o, path: { provider: 'keycloak' } }),
  previewOidcSignIn: (o) =>
    previewOidcSignIn({
      ...o,
      path: { provider: 'authentik' },
      body: { claims: { sub: '3f1c9a52', groups: ['family'] } },
    }),
  previewSamlSignIn: (o) =>
    previewSamlSignIn({
      ...o,
      path: { provider: 'keycloak' },
      body: { nameId: 'alice', attributes: { Role: ['jellyfin-users'] } },
    }),
  importSamlMetadata: (o) =>
    importSamlMetadata({
      ...o,
      body: { url: 'https://keycloak.example.com/realms/home/protocol/saml/descriptor' },
    }),
  getAdminConsole: (o) => getAdminConsole(o),
  getAccountPage: (o) => getAccountPage({ ...o, query: { linked: 'authentik' } }),
  getHome: (o) => getHome(o),
  getLandingPage: (o) => getLandingPage(o),
  getLandingPageAlias: (o) => getLandingPageAlias(o),
  receiveSamlLogout: (o) => receiveSamlLogout({ ...o, path: { provider: 'keycloak' } }),
  getAdminConsoleAsset: (o) => getAdminConsoleAsset({ ...o, path: { asset: 'index-4f3a2b1c.js' } }),
  getDevicePage: (o) => getDevicePage({ ...o, query: { code: '123456' } }),
  startDeviceSignIn: (o) =>
    startDeviceSignIn({ ...o, query: { code: '123456', provider: 'oidc:authentik' } }),
  authorizeDevice: (o) =>
    authorizeDevice({ ...o, body: { protocol: 'oidc', provider: 'authentik', data: AUTH_BODY.data } }),
  getQuickConnectEnabled: (o) => getQuickConnectEnabled(o),
  initiateQuickConnect: (o) => initiateQuickConnect(o),
  getQuickConnectState: (o) => getQuickConnectState({ ...o, query: { secret: 'f00d' } }),
  authenticateWithQuickConnect: (o) => authenticateWithQuickConnect({ ...o, body: { Secret: 'f00d' } }),
  getHealth: (o) => getHealth(o),
  getReadiness: (o) => getReadiness(o),
  getLogoutPage: (o) => getLogoutPage(o),
  endLogout: (o) =>
    endLogout({ ...o, body: { accessToken: '4f1c9a524b8e4d6f9a0e7c2b1d5e8f90', deviceId: 'd' } }),
  receiveOidcBackChannelLogout: (o) =>
    receiveOidcBackChannelLogout({
      ...o,
      path: { provider: 'keycloak' },
      body: { logout_token: 'eyJ.e30.c2ln' },
    }),
};

const operations = specOperations();
let prism: PrismServer;
let client: Client;

beforeAll(async () => {
  prism = await startPrism(SPEC_PATH);
  client = createSsoClient({ baseUrl: prism.baseUrl, token: '4d2c8e6a1b3f5d7c9e0a2b4c6d8e0f1a' });
});
afterAll(async () => {
  await prism?.stop();
});

/** Checks a Prism answer (its body read as text) against the documented response of that status. */
function expectDocumented(op: SpecOperation, status: number, response: Response, text: string): void {
  const documented = op.responses[String(status)];
  expect(documented, `${op.operationId} ${status} is documented`).toBeDefined();
  const content = (documented?.['content'] ?? {}) as Record<string, Json>;
  if (Object.keys(content).length === 0) {
    expect(text, `${op.operationId} ${status} has no body`).toBe('');
    return;
  }
  const contentType = response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
  const media = content[contentType];
  expect(
    media,
    `${op.operationId} ${status}: ${contentType} is one of ${Object.keys(content).join(', ')}`,
  ).toBeDefined();
  const id = `urn:sso:${op.operationId}:${status}:${contentType}`;
  if (contentType === 'application/json' || contentType.endsWith('+json')) {
    expect(
      schemaErrors(media?.['schema'], JSON.parse(text), id),
      `${op.operationId} ${status} example`,
    ).toBeNull();
  } else {
    expect(text.length, `${op.operationId} ${status} has a body`).toBeGreaterThan(0);
    expect(schemaErrors(media?.['schema'], text, id)).toBeNull();
  }
}

describe('Prism mock of openapi.yaml', () => {
  it('when the spec lists its operations, then each has a generated-client call in this suite', () => {
    expect(operations.map((op) => op.operationId).sort()).toEqual(Object.keys(CALLS).sort());
  });

  it('when a value breaks a response schema, then the validator reports it (the checks below are not vacuous)', () => {
    const get = operations.find((op) => op.operationId === 'getOidcProviders');
    const schema = (get?.responses['200']?.['content'] as Record<string, Json>)['application/json']?.[
      'schema'
    ];
    expect(schemaErrors(schema, { authentik: { oidEndpoint: 1 } }, 'urn:sso:negative:get')).not.toBeNull();
    const problem = (spec['components'] as { schemas: Json }).schemas['Problem'];
    expect(schemaErrors(problem, { status: 400 }, 'urn:sso:negative:problem')).not.toBeNull();
    expect(
      schemaErrors(
        problem,
        { type: 'about:blank', title: 'x', status: 400, code: 'nope', detail: 'd', requestId: 'r' },
        'urn:sso:negative:code',
      ),
    ).not.toBeNull();
  });

  for (const op of operations) {
    it(`when ${op.operationId} is called through the generated client, then Prism answers its documented success with a valid example`, async () => {
      const call = CALLS[op.operationId];
      expect(call, `a client call for ${op.operationId}`).toBeDefined();
      const result = await call!({ client, redirect: 'manual', parseAs: 'text' });
      const expected = successStatus(op);
      expect(result.response.status, `${op.operationId}: ${JSON.stringify(result.error ?? '')}`).toBe(
        expected,
      );
      if (expected >= 300) {
        expect(result.response.headers.get('location')).toMatch(/^https?:\/\//);
        return;
      }
      expectDocumented(op, expected, result.response, typeof result.data === 'string' ? result.data : '');
    });
  }

  it('when Prism is asked for each documented error response, then its example validates against the Problem schema', async () => {
    let checked = 0;
    for (const op of operations) {
      for (const status of Object.keys(op.responses)
        .map(Number)
        .filter((s) => s >= 400)) {
        const content = op.responses[String(status)]?.['content'] as Record<string, Json>;
        // The one error that is not a problem document: readiness's 503 has the shape of its 200.
        const mediaType =
          'application/problem+json' in content ? 'application/problem+json' : 'application/json';
        const result = await CALLS[op.operationId]!({
          client,
          redirect: 'manual',
          headers: { Prefer: `code=${status}`, Accept: mediaType },
        });
        expect(result.response.status, `${op.operationId} ${status}`).toBe(status);
        const problem = result.error as { status?: number };
        const errors = schemaErrors(
          content[mediaType]?.['schema'],
          problem,
          `urn:sso:${op.operationId}:${status}:problem`,
        );
        expect(errors, `${op.operationId} ${status}`).toBeNull();
        if (mediaType === 'application/problem+json') {
          expect(problem.status, `${op.operationId} ${status}: the example's status matches`).toBe(status);
        } else {
          expect(op.operationId, 'only readiness answers an error with its own shape').toBe('getReadiness');
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(operations.length);
  });
});
