// A simulated TV and the person signing it in: the TV speaks Jellyfin's Quick Connect (Initiate, Connect
// polling, AuthenticateWithQuickConnect) to whichever server it was pointed at (the service in embedded
// mode, the fake Jellyfin beside it), and the person types its code at /sso/device on another device.
import { expect } from 'vitest';
import {
  addOidcProvider,
  addSamlProvider,
  authenticateWithQuickConnect,
  authorizeDevice,
  getQuickConnectState,
  initiateQuickConnect,
  type Client,
} from '../../clients/typescript/index.js';
import { CookieJar, browserGet, pageParams } from '../support/browser.js';
import { followLogin } from '../support/oidc-idp.js';
import type { SamlIdp } from '../support/saml-idp.js';

export const TV_DEVICE = {
  Client: 'Jellyfin Android TV',
  Device: 'Living room TV',
  DeviceId: 'tv-living-room-0001',
  Version: '0.18.0',
};

/** The header a TV names itself with (no token: it has none yet). */
export const TV_AUTHORIZATION = `MediaBrowser ${Object.entries(TV_DEVICE)
  .map(([key, value]) => `${key}="${encodeURIComponent(value)}"`)
  .join(', ')}`;

export interface TvRequest {
  Secret: string;
  Code: string;
  Authenticated: boolean;
}

/** The TV's side, over plain HTTP to the server it was pointed at. */
export function tvAt(serverUrl: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${serverUrl}${path}`, {
      method,
      headers: {
        authorization: TV_AUTHORIZATION,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
  };
  return {
    async initiate(): Promise<TvRequest> {
      const { status, body } = await call('POST', '/QuickConnect/Initiate');
      expect(status).toBe(200);
      return body as TvRequest;
    },
    async poll(secret: string): Promise<TvRequest> {
      const { status, body } = await call(
        'GET',
        `/QuickConnect/Connect?secret=${encodeURIComponent(secret)}`,
      );
      expect(status).toBe(200);
      return body as TvRequest;
    },
    /** The exchange: status and body (an AuthenticationResult when 200). */
    authenticate: (secret: string) => call('POST', '/Users/AuthenticateWithQuickConnect', { Secret: secret }),
  };
}

/** The TV's side against the service itself (embedded mode), through the generated client. */
export function tvAtService(client: Client) {
  const headers = { authorization: TV_AUTHORIZATION };
  return {
    async initiate(): Promise<TvRequest> {
      const { data, response } = await initiateQuickConnect({ client, headers });
      expect(response.status).toBe(200);
      return data as TvRequest;
    },
    async poll(secret: string): Promise<TvRequest> {
      const { data, response } = await getQuickConnectState({ client, query: { secret } });
      expect(response.status).toBe(200);
      return data as TvRequest;
    },
    async authenticate(secret: string) {
      const { data, error, response } = await authenticateWithQuickConnect({
        client,
        body: { Secret: secret },
      });
      return { status: response.status, body: (data ?? error) as unknown };
    },
  };
}

/** The person: types the code at /sso/device, signs in at the OIDC IdP as `sub`; the page that ends it. */
export async function typeCodeAndSignIn(
  baseUrl: string,
  code: string,
  sub: string,
  provider = 'oidc:idp',
  jar = new CookieJar(),
) {
  const start = await browserGet(
    `${baseUrl}/sso/device/start?code=${encodeURIComponent(code)}&provider=${encodeURIComponent(provider)}`,
    jar,
  );
  if (start.status !== 302) return { start, page: null, jar };
  const callback = await followLogin(start.headers.get('location') ?? '', sub);
  const page = await browserGet(callback, jar);
  return { start, page, jar };
}

/** What the page's script does: Authorize the code with the page's one-time token. */
export async function authorizeFromPage(
  client: Client,
  page: { text: string },
  jar: CookieJar,
  protocol: 'oidc' | 'saml' = 'oidc',
) {
  const params = pageParams(page.text) as unknown as { provider: string; data: string };
  return authorizeDevice({
    client,
    body: { protocol, provider: params.provider, data: params.data },
    headers: { cookie: jar.header() },
  });
}

/** The OIDC provider `idp` (client `jellyfin`), letting in only the members of `roles` (claim `groups`). */
export async function addGatedOidcProvider(admin: Client, issuer: string, roles: string[]): Promise<void> {
  const { response } = await addOidcProvider({
    client: admin,
    path: { provider: 'idp' },
    body: {
      ...{
        oidEndpoint: issuer,
        oidClientId: 'jellyfin',
        oidSecret: 'jellyfin-secret',
        oidScopes: ['groups'],
      },
      ...{ enabled: true, enableAuthorization: true, enableAllFolders: true, roles, roleClaim: 'groups' },
    },
  });
  expect(response.status).toBe(200);
}

/** The SAML provider `corp` of the test SAML IdP, without a role gate. */
export async function addCorpSamlProvider(admin: Client, saml: SamlIdp): Promise<void> {
  const { response } = await addSamlProvider({
    client: admin,
    path: { provider: 'corp' },
    body: {
      samlEndpoint: 'https://idp.example.test/sso',
      samlClientId: 'jellyfin',
      samlCertificate: saml.certificateBase64,
      enabled: true,
    },
  });
  expect(response.status).toBe(200);
}
