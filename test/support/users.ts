// Users, tokens and credential forms for HTTP tests: users are made through the embedded directory of a
// running test app (`testApp.app.mediaServer`), and clients send a token in any of Jellyfin's forms.
import { randomBytes } from 'node:crypto';
import { createClient, type Client } from '../../clients/typescript/src/client/index.js';
import type { EmbeddedDirectory } from '../../src/media-server/embedded/directory.js';
import type { MediaUser } from '../../src/sso/ports.js';
import { MediaUserEntity } from '../../src/storage/entities.js';
import type { TestApp } from './app.js';

/** The embedded directory behind a test app (the default media server). */
export function directoryOf(t: TestApp): EmbeddedDirectory {
  const server = t.app.mediaServer as Partial<EmbeddedDirectory>;
  if (server.kind !== 'embedded' || typeof server.listApiKeys !== 'function') {
    throw new Error('the test app does not run on the embedded directory');
  }
  return server as EmbeddedDirectory;
}

export function uniqueUserName(prefix = 'user'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export interface UserWithToken {
  user: MediaUser;
  /** A live access token (session) of the user. */
  token: string;
}

/** Creates a user (optionally an administrator) with a session, and returns its access token. */
export async function createUserWithToken(
  t: TestApp,
  options: { name?: string; admin?: boolean } = {},
): Promise<UserWithToken> {
  const directory = directoryOf(t);
  let user = await directory.createUser(options.name ?? uniqueUserName(options.admin ? 'admin' : 'user'));
  if (options.admin) {
    user = await directory.updatePolicy(user.id, (policy) => ({ ...policy, IsAdministrator: true }));
  }
  const session = await directory.createSession(user.id, {
    deviceId: `device-${randomBytes(4).toString('hex')}`,
    deviceName: 'Vitest',
    appName: 'jellyfin-sso tests',
    appVersion: '1.0.0',
  });
  return { user, token: session.AccessToken };
}

/**
 * Sets `IsDisabled` on the stored row directly, bypassing the directory's policy write (which also revokes
 * the user's sessions): the token stays in the database, so only the disabled check can refuse it.
 */
export async function disableUserKeepingSessions(t: TestApp, userId: string): Promise<void> {
  const em = t.app.database.orm.em.fork();
  const row = await em.findOneOrFail(MediaUserEntity, { id: userId });
  await em.nativeUpdate(MediaUserEntity, { id: userId }, { policy: { ...row.policy, IsDisabled: true } });
}

/** Every way Jellyfin reads a token (docs/jellyfin-api.md §1.1). */
export const CREDENTIAL_FORMS = [
  'Authorization',
  'X-Emby-Authorization',
  'X-Emby-Token',
  'X-MediaBrowser-Token',
  'ApiKey',
  'api_key',
] as const;
export type CredentialForm = (typeof CREDENTIAL_FORMS)[number];

/** The value a form carries: the two Authorization headers use the MediaBrowser format, with extra fields. */
function formValue(form: CredentialForm, token: string): string {
  if (form === 'Authorization' || form === 'X-Emby-Authorization') {
    return `MediaBrowser Client="Jellyfin%20Web", Device="Firefox", DeviceId="dGVzdA%3D%3D", Version="10.11.0", Token="${encodeURIComponent(token)}"`;
  }
  return token;
}

/**
 * A generated-client instance that sends `token` only in the given form: the SDK functions list every
 * security scheme of the spec, and this client answers for exactly one of them.
 */
export function clientWithCredential(baseUrl: string, form: CredentialForm, token: string): Client {
  const client = createClient({
    baseUrl,
    auth: (scheme) => ((scheme.name ?? 'Authorization') === form ? formValue(form, token) : undefined),
  });
  if (form === 'ApiKey' || form === 'api_key') {
    // The generated fetch client (hey-api 0.95.0) drops query-parameter credentials when a call has no
    // `query` of its own (setAuthParams fills a copy of the options), so add the parameter here.
    client.interceptors.request.use((request) => {
      const url = new URL(request.url);
      url.searchParams.set(form, token);
      return new Request(url, request);
    });
  }
  return client;
}
