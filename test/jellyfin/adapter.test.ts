// The Jellyfin adapter (src/media-server/jellyfin/) against the fake Jellyfin, once per official document
// version (10.10.7, 10.11.11, 12.0.0): start-up checks, token resolution and its cache, users, policy
// GET-modify-POST, Quick Connect sessions, libraries, avatars, error mapping — and no request or answer
// outside the document. The documents are in test/fixtures/jellyfin-openapi/.

import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkJellyfin,
  createJellyfinServer,
  JellyfinCheckError,
  type JellyfinServer,
} from '../../src/media-server/jellyfin/index.js';
import { authorizationHeader, errorText } from '../../src/media-server/jellyfin/request.js';
import { SsoError } from '../../src/sso/errors.js';
import {
  DEFAULT_AUTH_PROVIDER_ID,
  SSO_AUTH_PROVIDER_ID,
  isElevated,
  type DeviceInfo,
  type UserPolicy,
} from '../../src/sso/ports.js';
import { parseMediaBrowserHeader, startFakeJellyfin, type FakeJellyfin } from '../support/fake-jellyfin.js';
import { JELLYFIN_VERSIONS, requireJellyfinDocuments } from '../support/jellyfin-openapi.js';

const N_FORMAT = /^[0-9a-f]{32}$/;

/** A device as jellyfin-web describes itself: `_deviceId2` is Base64 (with `+`, `/`, `=` → `1`). */
const BROWSER: DeviceInfo = {
  deviceId: 'TW96aWxsYS81LjAgKFgxMTsgTGludXggeDg2XzY0KSB8MTcz+/Nz==',
  deviceName: 'Firefox on Linux, "work" laptop',
  appName: 'Jellyfin Web',
  appVersion: '10.8.0',
};

async function rejection(promise: Promise<unknown>): Promise<SsoError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SsoError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

class MovableClock {
  private offset = 0;
  now(): Date {
    return new Date(Date.now() + this.offset);
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Cases that need no OpenAPI document

describe('the MediaBrowser Authorization header', () => {
  it('when device fields contain +, /, = , quotes and commas, then Jellyfin’s parser decodes exactly what was sent', () => {
    const header = authorizationHeader({
      client: BROWSER.appName,
      device: BROWSER.deviceName,
      deviceId: BROWSER.deviceId,
      version: BROWSER.appVersion,
      token: '0123456789abcdef0123456789abcdef',
    });
    expect(header.startsWith('MediaBrowser Client="Jellyfin%20Web", Device="')).toBe(true);
    expect(parseMediaBrowserHeader(header, false)).toEqual({
      Client: BROWSER.appName,
      Device: BROWSER.deviceName,
      DeviceId: BROWSER.deviceId,
      Version: BROWSER.appVersion,
      Token: '0123456789abcdef0123456789abcdef',
    });
  });

  it('when a browser sends a device name with a lone surrogate, then the header is still built (U+FFFD)', () => {
    expect(authorizationHeader({ device: 'bad \uD800 name' })).toBe(
      'MediaBrowser Device="bad%20%EF%BF%BD%20name"',
    );
  });

  it('when a value is not URL-encoded, then Jellyfin’s decoding turns + into a space (why we encode)', () => {
    expect(parseMediaBrowserHeader('MediaBrowser DeviceId="a+b/c"', false)).toEqual({ DeviceId: 'a b/c' });
  });
});

describe('reading Jellyfin error texts', () => {
  it('when Jellyfin answers a JSON string, a ProblemDetails or plain text, then the text is extracted', () => {
    expect(errorText('application/json; charset=utf-8', '"Administrators cannot be disabled."')).toBe(
      'Administrators cannot be disabled.',
    );
    expect(errorText('application/problem+json', '{"title":"Bad Request","status":400}')).toBe('Bad Request');
    expect(errorText('text/plain', " A user with the name 'x' already exists. ")).toBe(
      "A user with the name 'x' already exists.",
    );
    expect(errorText('text/html', '<html>502 Bad Gateway</html>')).toBe('');
  });
});

describe('the start-up check without a reachable Jellyfin', () => {
  it('when JELLYFIN_URL points at nothing, then the check refuses naming JELLYFIN_URL', async () => {
    const error = await checkJellyfin({ baseUrl: 'http://127.0.0.1:9', apiKey: 'x', timeoutMs: 2000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(JellyfinCheckError);
    expect((error as Error).message).toMatch(/Cannot reach Jellyfin at JELLYFIN_URL=http:\/\/127\.0\.0\.1:9/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The contract suite, per Jellyfin version

requireJellyfinDocuments();
describe.each(JELLYFIN_VERSIONS)('the Jellyfin adapter against Jellyfin %s', (version) => {
  let fake: FakeJellyfin;
  let clock: MovableClock;
  let jellyfin: JellyfinServer;
  const allViolations: string[] = [];

  beforeEach(async () => {
    fake = await startFakeJellyfin({ version });
    clock = new MovableClock();
    jellyfin = createJellyfinServer({ baseUrl: fake.url, apiKey: fake.apiKey, clock });
  });

  afterEach(async () => {
    allViolations.push(...fake.violations);
    await fake.close();
    expect(fake.violations).toEqual([]);
  });

  afterAll(() => {
    expect(allViolations).toEqual([]);
  });

  // ----- start-up checks

  describe('start-up check', () => {
    it('when Jellyfin is healthy, then the check reports the server and no warnings', async () => {
      const result = await jellyfin.check();
      expect(result).toEqual({
        serverId: fake.serverId,
        serverName: fake.serverName,
        version: fake.reportedVersion,
        credential: { kind: 'apiKey', name: 'jellyfin-sso' },
        quickConnectEnabled: true,
        warnings: [],
      });
    });

    it('when Jellyfin is 10.8, then the check refuses and says to upgrade', async () => {
      fake.reportedVersion = '10.8.13';
      const error = await checkJellyfin({ baseUrl: fake.url, apiKey: fake.apiKey }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JellyfinCheckError);
      expect((error as Error).message).toMatch(
        /Jellyfin 10\.8\.13 .* too old: .* 10\.9\.0 or later.*Upgrade Jellyfin/,
      );
    });

    it('when the API key is wrong, then the check refuses naming JELLYFIN_API_KEY and where to create one', async () => {
      const error = await checkJellyfin({
        baseUrl: fake.url,
        apiKey: 'ffffffffffffffffffffffffffffffff',
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JellyfinCheckError);
      expect((error as Error).message).toMatch(/rejected JELLYFIN_API_KEY \(401/);
      expect((error as Error).message).toMatch(/Dashboard → API Keys/);
    });

    it('when Quick Connect is off, then the check passes with a warning to enable it in Dashboard → General', async () => {
      fake.quickConnectEnabled = false;
      const result = await jellyfin.check();
      expect(result.quickConnectEnabled).toBe(false);
      expect(result.warnings).toHaveLength(1);
      expect(result.warnings[0]).toMatch(/Quick Connect is disabled.*Dashboard → General/);
    });

    it('when the key is an administrator’s user token, then the check warns; a non-admin token is refused', async () => {
      const adminToken = fake.addToken(fake.admin.id).token;
      const warned = await checkJellyfin({ baseUrl: fake.url, apiKey: adminToken });
      expect(warned.credential).toEqual({ kind: 'userToken', userName: 'admin' });
      expect(warned.warnings.join(' ')).toMatch(/not an API key/);

      const alice = fake.addUser({ name: 'alice', password: 'pw' });
      const aliceToken = fake.addToken(alice.id).token;
      const error = await checkJellyfin({ baseUrl: fake.url, apiKey: aliceToken }).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(
        /JELLYFIN_API_KEY is an access token of the Jellyfin user "alice", who is not an administrator/,
      );
    });
  });

  // ----- token resolution

  describe('resolveToken', () => {
    it('when a user’s token is checked, then the user comes back, not elevated, with only Token in the header', async () => {
      const alice = fake.addUser({ name: 'alice', password: 'pw' });
      const token = fake.addToken(alice.id, { deviceName: 'Alice phone' });
      const principal = await jellyfin.resolveToken(token.token);
      expect(principal).toMatchObject({ kind: 'user', user: { id: alice.id, name: 'alice' } });
      expect(isElevated(principal!)).toBe(false);
      const sent = fake.requests.find((entry) => entry.operationId === 'GetCurrentUser');
      // No Device/Version: Jellyfin would rename the user's device row after them.
      expect(sent?.auth).toEqual({ Token: '<user>' });
      expect(fake.tokens.get(token.token)?.deviceName).toBe('Alice phone');
    });

    it('when an administrator’s token is checked, then the principal is elevated', async () => {
      const principal = await jellyfin.resolveToken(fake.addToken(fake.admin.id).token);
      expect(principal?.kind).toBe('user');
      expect(isElevated(principal!)).toBe(true);
    });

    it('when an API key is checked, then it is confirmed in /Auth/Keys and comes back elevated with its name', async () => {
      const key = fake.addApiKey('admin tools');
      const principal = await jellyfin.resolveToken(key.token);
      expect(principal).toEqual({ kind: 'apiKey', keyId: String(key.id), name: 'admin tools' });
      expect(fake.count('GetCurrentUser')).toBe(1);
      expect(fake.count('GetKeys')).toBe(1);
    });

    it('when the token is unknown, then null', async () => {
      expect(await jellyfin.resolveToken('0123456789abcdef0123456789abcdef')).toBeNull();
      expect(await jellyfin.resolveToken('')).toBeNull();
    });

    it('when the user is disabled, then their token resolves to null', async () => {
      const bob = fake.addUser({ name: 'bob', password: 'pw' });
      const token = fake.addToken(bob.id).token;
      bob.policy.IsDisabled = true;
      expect(await jellyfin.resolveToken(token)).toBeNull();
    });

    it('when a token is checked twice within the cache time, then Jellyfin is asked once; after it, again', async () => {
      const token = fake.addToken(fake.admin.id).token;
      await jellyfin.resolveToken(token);
      await jellyfin.resolveToken(token);
      await Promise.all([jellyfin.resolveToken(token), jellyfin.resolveToken(token)]);
      expect(fake.count('GetCurrentUser')).toBe(1);
      clock.advance(30_001);
      await jellyfin.resolveToken(token);
      expect(fake.count('GetCurrentUser')).toBe(2);
    });

    it('when an unknown token is checked twice, then the negative answer is cached too', async () => {
      await jellyfin.resolveToken('deadbeefdeadbeefdeadbeefdeadbeef');
      await jellyfin.resolveToken('deadbeefdeadbeefdeadbeefdeadbeef');
      expect(fake.count('GetCurrentUser')).toBe(1);
    });

    it('when a 400 comes back for a token that is not an API key (a proxy), then it is not elevated but null', async () => {
      const proxied = createJellyfinServer({
        baseUrl: fake.url,
        apiKey: fake.apiKey,
        fetch: async (input, init) => {
          const url = new URL(String(input));
          if (url.pathname === '/Users/Me')
            return new Response('Request Header Or Cookie Too Large', { status: 400 });
          return fetch(input, init);
        },
      });
      expect(await proxied.resolveToken('0123456789abcdef0123456789abcdef')).toBeNull();
    });

    it('when a policy changes, then cached answers about that user are dropped', async () => {
      const carol = fake.addUser({ name: 'carol', password: 'pw', admin: true });
      const token = fake.addToken(carol.id).token;
      expect(isElevated((await jellyfin.resolveToken(token))!)).toBe(true);
      await jellyfin.updatePolicy(carol.id, (policy) => ({ ...policy, IsAdministrator: false }));
      expect(isElevated((await jellyfin.resolveToken(token))!)).toBe(false);
    });
  });

  // ----- users

  describe('users', () => {
    it('when a user is looked up by N or dashed id, then it is found and ids come back in N format', async () => {
      const id = fake.admin.id;
      const dashed = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
      expect((await jellyfin.getUserById(id))?.name).toBe('admin');
      const viaDashed = await jellyfin.getUserById(dashed.toUpperCase());
      expect(viaDashed?.id).toBe(id);
      expect(viaDashed?.id).toMatch(N_FORMAT);
      expect(await jellyfin.getUserById('0123456789abcdef0123456789abcdef')).toBeNull();
      const before = fake.requests.length;
      expect(await jellyfin.getUserById('not-a-guid')).toBeNull();
      expect(fake.requests.length).toBe(before);
    });

    it('when a user is looked up by name in another case, then it is found (hidden users included)', async () => {
      const hidden = fake.addUser({ name: 'Hidden.User@example.com', policy: { IsHidden: true } });
      expect((await jellyfin.getUserByName('ADMIN'))?.id).toBe(fake.admin.id);
      expect((await jellyfin.getUserByName('hidden.user@EXAMPLE.com'))?.id).toBe(hidden.id);
      expect(await jellyfin.getUserByName('nobody')).toBeNull();
    });

    it('when a user is created, then a random password is set on the default provider before the SSO provider', async () => {
      const user = await jellyfin.createUser('dave');
      expect(user.id).toMatch(N_FORMAT);
      expect(user.policy.AuthenticationProviderId).toBe(SSO_AUTH_PROVIDER_ID);
      expect(user.hasPassword).toBe(true);
      const stored = fake.users.get(user.id)!;
      expect(stored.policy.AuthenticationProviderId).toBe(SSO_AUTH_PROVIDER_ID);
      // 48 random bytes as Base64: 64 characters, never empty.
      expect(stored.password).toMatch(/^[A-Za-z0-9+/]{64}$/);
      expect(fake.passwordChanges).toEqual([
        { userId: user.id, via: 'create', provider: DEFAULT_AUTH_PROVIDER_ID, applied: true },
      ]);
      const order = fake.requests
        .map((entry) => entry.operationId)
        .filter((id) => id !== 'GetUsers' && id !== 'GetUserById');
      expect(order).toEqual(['CreateUserByName', 'UpdateUserPolicy']);
    });

    it('when Jellyfin ignores the creation password, then the adapter sets one with /Users/Password, still on the default provider', async () => {
      fake.ignoreCreatePassword = true;
      const user = await jellyfin.createUser('erin');
      expect(fake.passwordChanges).toEqual([
        { userId: user.id, via: 'password', provider: DEFAULT_AUTH_PROVIDER_ID, applied: true },
      ]);
      expect(fake.users.get(user.id)!.password).toMatch(/^[A-Za-z0-9+/]{64}$/);
      expect(fake.users.get(user.id)!.policy.AuthenticationProviderId).toBe(SSO_AUTH_PROVIDER_ID);
    });

    it('when the name is taken in another case, then Jellyfin’s refusal is name_conflict; an invalid name is invalid_request unsent', async () => {
      expect((await rejection(jellyfin.createUser('Admin'))).code).toBe('name_conflict');
      expect(fake.count('CreateUserByName')).toBe(1);
      expect((await rejection(jellyfin.createUser(' padded'))).code).toBe('invalid_request');
      expect(fake.count('CreateUserByName')).toBe(1);
    });

    it('when another login creates the same name first, then Jellyfin’s 400 becomes name_conflict', async () => {
      const racing = createJellyfinServer({
        baseUrl: fake.url,
        apiKey: fake.apiKey,
        fetch: async (input, init) => {
          if (new URL(String(input)).pathname === '/Users/New' && !fake.findUserByName('frank')) {
            fake.addUser({ name: 'Frank' }); // the other login wins the race
          }
          return fetch(input, init);
        },
      });
      expect((await rejection(racing.createUser('frank'))).code).toBe('name_conflict');
    });
  });

  // ----- policies

  describe('updatePolicy', () => {
    it('when the adapter changes one field, then every admin-set field survives byte for byte', async () => {
      const user = fake.addUser({ name: 'grace', password: 'pw' });
      Object.assign(user.policy, {
        MaxParentalRating: 13,
        EnableContentDeletion: true,
        EnableContentDeletionFromFolders: [fake.libraries[0]!.id],
        RemoteClientBitrateLimit: 8_000_000,
        BlockedTags: ['horror'],
        AccessSchedules: [{ Id: 1, UserId: user.id, DayOfWeek: 'Sunday', StartHour: 8, EndHour: 20 }],
        // 10.11 added MaxParentalSubRating to UserPolicy
        ...(version === '10.10.7' ? {} : { MaxParentalSubRating: 2 }),
      });
      const before = structuredClone(user.policy);
      const updated = await jellyfin.updatePolicy(user.id, (policy) => ({
        ...policy,
        EnableLiveTvAccess: false,
      }));
      expect(fake.users.get(user.id)!.policy).toEqual({ ...before, EnableLiveTvAccess: false });
      expect(updated.policy).toEqual({ ...before, EnableLiveTvAccess: false });
      expect(fake.count('GetUserById')).toBe(2); // GET-modify-POST, then the fresh user
      expect(fake.count('UpdateUserPolicy')).toBe(1);
    });

    it('when a change blanks the provider ids, then the current ones are kept (Jellyfin would answer 400)', async () => {
      const user = fake.addUser({ name: 'heidi', password: 'pw' });
      const updated = await jellyfin.updatePolicy(user.id, (policy) => ({
        ...policy,
        AuthenticationProviderId: '',
        PasswordResetProviderId: ' ',
      }));
      expect(updated.policy.AuthenticationProviderId).toBe(DEFAULT_AUTH_PROVIDER_ID);
      expect(fake.users.get(user.id)!.policy.PasswordResetProviderId).toBe(
        'Jellyfin.Server.Implementations.Users.DefaultPasswordResetProvider',
      );
    });

    it('when the last administrator would be demoted, then media_server_refused carries Jellyfin’s text', async () => {
      const error = await rejection(
        jellyfin.updatePolicy(fake.admin.id, (policy) => ({ ...policy, IsAdministrator: false })),
      );
      expect(error.code).toBe('media_server_refused');
      expect(error.message).toMatch(
        /There must be at least one user in the system with administrative access\./,
      );
      expect(fake.admin.policy.IsAdministrator).toBe(true);
    });

    it('when an administrator would be disabled, then media_server_refused', async () => {
      const error = await rejection(
        jellyfin.updatePolicy(fake.admin.id, (policy) => ({ ...policy, IsDisabled: true })),
      );
      expect(error.code).toBe('media_server_refused');
      expect(error.message).toMatch(/Administrators cannot be disabled\./);
    });

    it('when the user does not exist, then user_not_found', async () => {
      const change = (policy: UserPolicy): UserPolicy => policy;
      expect((await rejection(jellyfin.updatePolicy('0123456789abcdef0123456789abcdef', change))).code).toBe(
        'user_not_found',
      );
      expect((await rejection(jellyfin.updatePolicy('nope', change))).code).toBe('user_not_found');
    });
  });

  // ----- sessions

  describe('createSession (Quick Connect on the user’s behalf)', () => {
    it('when a session is minted, then it is Jellyfin’s own result, on the browser’s device id (with + and /)', async () => {
      const user = await jellyfin.createUser('ivan');
      const result = await jellyfin.createSession(user.id, BROWSER);
      const minted = fake.tokens.get(result.AccessToken)!;
      expect(minted).toMatchObject({
        userId: user.id,
        deviceId: BROWSER.deviceId,
        deviceName: BROWSER.deviceName,
        client: BROWSER.appName,
        version: BROWSER.appVersion,
      });
      const request = [...fake.quickConnectRequests.values()][0]!;
      expect(result).toEqual(request.result); // unchanged
      expect(result.User.Id).toBe(user.id);
      expect(result.ServerId).toBe(fake.serverId);
      expect(result.SessionInfo?.DeviceId).toBe(BROWSER.deviceId);
      const initiate = fake.requests.find((entry) => entry.operationId === 'InitiateQuickConnect')!;
      expect(initiate.auth).toEqual({
        Client: BROWSER.appName,
        Device: BROWSER.deviceName,
        DeviceId: BROWSER.deviceId,
        Version: BROWSER.appVersion,
      });
      const authorize = fake.requests.find((entry) => entry.operationId === 'AuthorizeQuickConnect')!;
      expect(authorize).toMatchObject({ caller: 'apiKey', query: { code: request.code, userId: user.id } });
      expect((await jellyfin.resolveToken(result.AccessToken))?.kind).toBe('user');
    });

    it('when the user signs in on a second device, then the first device keeps its session', async () => {
      const user = await jellyfin.createUser('judy');
      const phone = fake.addToken(user.id, { deviceId: 'phone-1', client: 'Jellyfin Android' });
      const first = await jellyfin.createSession(user.id, BROWSER);
      const second = await jellyfin.createSession(user.id, { ...BROWSER, deviceId: 'other+browser/2' });
      expect(fake.tokens.has(phone.token)).toBe(true);
      expect(fake.tokens.has(first.AccessToken)).toBe(true);
      expect(fake.tokens.has(second.AccessToken)).toBe(true);
      // Jellyfin's own rule: a new login on the SAME device id replaces that device's token.
      const again = await jellyfin.createSession(user.id, BROWSER);
      expect(fake.tokens.has(first.AccessToken)).toBe(false);
      expect(
        fake
          .tokensOf(user.id)
          .map((token) => token.token)
          .sort(),
      ).toEqual([phone.token, second.AccessToken, again.AccessToken].sort());
      expect(fake.requests.some((entry) => /Logout|Devices/.test(entry.path))).toBe(false);
    });

    it('when Quick Connect is disabled, then quick_connect_disabled tells the admin where to enable it', async () => {
      fake.quickConnectEnabled = false;
      const error = await rejection(jellyfin.createSession(fake.admin.id, BROWSER));
      expect(error.code).toBe('quick_connect_disabled');
      expect(error.message).toMatch(/Dashboard → General → "Enable Quick Connect on this server"/);
      expect(fake.count('AuthorizeQuickConnect')).toBe(0);
    });

    it('when a device field is empty, then invalid_request and nothing is sent', async () => {
      const error = await rejection(jellyfin.createSession(fake.admin.id, { ...BROWSER, deviceId: ' ' }));
      expect(error.code).toBe('invalid_request');
      expect(fake.requests).toHaveLength(0);
    });

    it('when the user is at MaxActiveSessions, then media_server_refused with Jellyfin’s text', async () => {
      const user = fake.addUser({ name: 'ken', password: 'pw', policy: { MaxActiveSessions: 1 } });
      fake.addToken(user.id);
      const error = await rejection(jellyfin.createSession(user.id, BROWSER));
      expect(error.code).toBe('media_server_refused');
      expect(error.message).toMatch(/maximum number of sessions/);
    });
  });

  // ----- libraries and avatars

  describe('libraries and avatars', () => {
    it('when libraries are listed, then the visible ones come back with N-format ids', async () => {
      const libraries = await jellyfin.listLibraries();
      expect(libraries).toEqual(
        fake.libraries
          .filter((library) => !library.hidden)
          .map((library) => ({
            Id: library.id,
            Name: library.name,
            CollectionType: library.collectionType,
          })),
      );
      expect(fake.requests.find((entry) => entry.operationId === 'GetMediaFolders')?.query).toEqual({
        isHidden: 'false',
      });
    });

    it('when an avatar is set, then Jellyfin receives Base64 text with the image content type', async () => {
      const user = await jellyfin.createUser('liz');
      const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 250, 251, 255]);
      await jellyfin.setAvatar(user.id, { contentType: 'image/png', bytes });
      expect(fake.users.get(user.id)!.image).toEqual({
        contentType: 'image/png',
        bytes: Buffer.from(bytes),
      });
    });

    it('when the avatar’s user does not exist or the type is not an image, then a clear error', async () => {
      const png = { contentType: 'image/png', bytes: new Uint8Array([1]) };
      expect((await rejection(jellyfin.setAvatar('0123456789abcdef0123456789abcdef', png))).code).toBe(
        'user_not_found',
      );
      expect(
        (await rejection(jellyfin.setAvatar(fake.admin.id, { ...png, contentType: 'text/html' }))).code,
      ).toBe('invalid_request');
    });
  });

  // ----- failures

  describe('when Jellyfin fails', () => {
    it('when Jellyfin is down, then upstream_unavailable', async () => {
      await fake.close();
      const error = await rejection(jellyfin.getUserByName('admin'));
      expect(error.code).toBe('upstream_unavailable');
      expect((await rejection(jellyfin.resolveToken('0123456789abcdef0123456789abcdef'))).code).toBe(
        'upstream_unavailable',
      );
    });

    it('when Jellyfin answers 503 or garbage, then upstream_unavailable and nothing is cached', async () => {
      let mode: 'down' | 'garbage' | 'up' = 'down';
      const flaky = createJellyfinServer({
        baseUrl: fake.url,
        apiKey: fake.apiKey,
        fetch: async (input, init) => {
          if (mode === 'down')
            return new Response('<html>starting</html>', {
              status: 503,
              headers: { 'content-type': 'text/html' },
            });
          if (mode === 'garbage')
            return new Response('{"Id": 3}', {
              status: 200,
              headers: { 'content-type': 'application/json' },
            });
          return fetch(input, init);
        },
      });
      const token = fake.addToken(fake.admin.id).token;
      expect((await rejection(flaky.resolveToken(token))).code).toBe('upstream_unavailable');
      mode = 'garbage';
      expect((await rejection(flaky.getUserById(fake.admin.id))).code).toBe('upstream_unavailable');
      mode = 'up';
      expect((await flaky.resolveToken(token))?.kind).toBe('user');
    });

    it('when the API key was revoked, then upstream_unavailable names JELLYFIN_API_KEY', async () => {
      fake.apiKeys.splice(0, fake.apiKeys.length);
      const error = await rejection(jellyfin.getUserByName('admin'));
      expect(error.code).toBe('upstream_unavailable');
      expect(error.message).toMatch(/JELLYFIN_API_KEY/);
    });
  });
});
