// The two worlds the account tests run in: the service on its embedded directory, and the service on a
// fake Jellyfin (one official document version) that validates every request. Each gives users with
// sessions on named devices, and "an app" that signs in with a name and a password where that mode serves
// it (the service in embedded mode, Jellyfin itself otherwise).
import { createClient, type Client } from '../../clients/typescript/src/client/index.js';
import { authenticateByName, mediaBrowserAuthorization } from '../../clients/typescript/index.js';
import { SSO_AUTH_PROVIDER_ID } from '../../src/sso/ports.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { startFakeJellyfin, type FakeJellyfin } from '../support/fake-jellyfin.js';
import type { JellyfinVersion } from '../support/jellyfin-openapi.js';
import { directoryOf, uniqueUserName } from '../support/users.js';
import { addLinkingProviders, createTestSamlIdp, type LinkingWorld } from '../support/linked-users.js';
import { jellyfinClient, startOidcIdp } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';

export interface AccountWorld {
  t: TestApp;
  fake: FakeJellyfin | null;
  /** An API key of the service's media server. */
  apiKey: Client;
  makeUser(options?: { admin?: boolean }): Promise<{ id: string; name: string }>;
  /** A session of the user on that device; its token. */
  session(userId: string, deviceId: string): Promise<string>;
  /** A client sending the token and naming its device, as jellyfin-web does. */
  clientOn(token: string, deviceId: string): Client;
  /** The app's password sign-in: the HTTP status it got. */
  appSignIn(name: string, password: string): Promise<number>;
  close(): Promise<void>;
}

function clientOn(baseUrl: string, token: string, deviceId: string): Client {
  const fields = `Client="Jellyfin Web", Device="Firefox", DeviceId="${deviceId}", Version="10.11.0"`;
  const token_ = mediaBrowserAuthorization(token).replace('MediaBrowser ', '');
  return createClient({ baseUrl, headers: { Authorization: `MediaBrowser ${fields}, ${token_}` } });
}

const APP = 'MediaBrowser Client="Finamp", Device="Phone", DeviceId="finamp-1", Version="0.9"';

export async function embeddedWorld(env: Record<string, string> = {}): Promise<AccountWorld> {
  const t = await startTestApp({ SSO_RATE_LIMIT: '0', ...env });
  const directory = directoryOf(t);
  return {
    t,
    fake: null,
    apiKey: t.admin,
    async makeUser(options = {}) {
      const user = await directory.createUser(uniqueUserName('user'));
      if (options.admin) await directory.updatePolicy(user.id, (p) => ({ ...p, IsAdministrator: true }));
      return { id: user.id, name: user.name };
    },
    async session(userId, deviceId) {
      const device = { deviceId, deviceName: 'Firefox', appName: 'Jellyfin Web', appVersion: '10.11.0' };
      return (await directory.createSession(userId, device)).AccessToken;
    },
    clientOn: (token, deviceId) => clientOn(t.baseUrl, token, deviceId),
    async appSignIn(name, password) {
      const app = createClient({ baseUrl: t.baseUrl, headers: { Authorization: APP } });
      const answer = await authenticateByName({ client: app, body: { Username: name, Pw: password } });
      return answer.response.status;
    },
    close: () => t.close(),
  };
}

export async function jellyfinWorld(version: JellyfinVersion): Promise<AccountWorld> {
  const fake = await startFakeJellyfin({ version });
  const t = await startTestApp({
    SSO_RATE_LIMIT: '0',
    SSO_MEDIA_SERVER: 'jellyfin',
    JELLYFIN_URL: fake.url,
    JELLYFIN_API_KEY: fake.apiKey,
  });
  return {
    t,
    fake,
    apiKey: t.clientWith(fake.apiKey),
    async makeUser(options = {}) {
      const policy = { AuthenticationProviderId: SSO_AUTH_PROVIDER_ID };
      const user = fake.addUser({ name: uniqueUserName('user'), password: 'unusable-x', policy, ...options });
      return { id: user.id, name: user.name };
    },
    session: async (userId, deviceId) => fake.addToken(userId, { deviceId }).token,
    clientOn: (token, deviceId) => clientOn(t.baseUrl, token, deviceId),
    async appSignIn(name, password) {
      const answer = await fetch(`${fake.url}/Users/AuthenticateByName`, {
        method: 'POST',
        headers: { Authorization: APP, 'Content-Type': 'application/json' },
        body: JSON.stringify({ Username: name, Pw: password }),
      });
      return answer.status;
    },
    close: async () => {
      await t.close();
      await fake.close();
    },
  };
}

/** The service on its embedded directory with the OIDC provider `idp` (and SAML `corp`) for link tests. */
export async function linkingWorld(): Promise<LinkingWorld & { close(): Promise<void> }> {
  const port = await freePort();
  const accounts = {
    'sub-erin': { preferred_username: 'erin', groups: ['users'] },
    'sub-frank': { preferred_username: 'frank', groups: ['users'] },
  };
  const idp = await startOidcIdp({ clients: [jellyfinClient(port, 'idp')], accounts });
  const t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}`, SSO_RATE_LIMIT: '0' }, { port });
  const w: LinkingWorld = { t, idp, saml: createTestSamlIdp(), admin: t.admin };
  await addLinkingProviders(w);
  return {
    ...w,
    close: async () => {
      await t.close();
      await idp.close();
    },
  };
}
