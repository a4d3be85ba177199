// The account operations through the generated client, in both modes: app passwords (create, state,
// revoke, and an app's password sign-in that works until the revoke), devices (list with the caller's own,
// sign out one, sign out everywhere else), and who may do it (self, admin, API key; 403 for another user).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  addOidcProvider,
  authenticateByName,
  createAppPassword,
  deleteLink,
  getAppPassword,
  listActivity,
  listDevices,
  revokeAppPassword,
  signOutDevice,
  signOutOtherDevices,
} from '../../clients/typescript/index.js';
import { JELLYFIN_VERSIONS, requireJellyfinDocuments } from '../support/jellyfin-openapi.js';
import type { Client } from '../../clients/typescript/index.js';
import { createClient } from '../../clients/typescript/src/client/index.js';
import { signInThroughOidc as signInAs, type LinkingWorld } from '../support/linked-users.js';
import { embeddedWorld, jellyfinWorld, linkingWorld, type AccountWorld } from './world.js';

requireJellyfinDocuments();

const modes: [string, () => Promise<AccountWorld>][] = [
  ['the embedded directory', () => embeddedWorld()],
  ...JELLYFIN_VERSIONS.map((v): [string, () => Promise<AccountWorld>] => [
    `Jellyfin ${v}`,
    () => jellyfinWorld(v),
  ]),
];

describe.each(modes)('account operations on %s', (_mode, start) => {
  let w: AccountWorld;
  beforeAll(async () => {
    w = await start();
  });
  afterAll(async () => {
    expect(w.fake?.violations ?? []).toEqual([]);
    await w.close();
  });

  it('when a user makes an app password, then an app signs in with it until it is revoked', async () => {
    const alice = await w.makeUser();
    const self = w.clientOn(await w.session(alice.id, 'alice-web'), 'alice-web');
    const path = { jellyfinUserId: alice.id };
    expect((await getAppPassword({ client: self, path })).data).toEqual({ created: null });
    expect(await w.appSignIn(alice.name, 'anything')).toBe(401);

    const made = await createAppPassword({ client: self, path });
    expect(made.response.status).toBe(201);
    const password = made.data?.password ?? '';
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(made.data?.username).toBe(alice.name);
    expect((await getAppPassword({ client: w.apiKey, path })).data?.created).toBe(made.data?.created);
    expect(await w.appSignIn(alice.name, password)).toBe(200);
    expect(await w.appSignIn(alice.name, `${password}x`)).toBe(401);

    // Jellyfin ends the user's other sessions on a password change: sign in again to revoke.
    const again = w.clientOn(await w.session(alice.id, 'alice-web'), 'alice-web');
    expect((await revokeAppPassword({ client: again, path })).response.status).toBe(204);
    expect(await w.appSignIn(alice.name, password)).toBe(401);
    expect((await getAppPassword({ client: w.apiKey, path })).data).toEqual({ created: null });
    expect(w.t.logs()).not.toContain(password);
  });

  it('when app passwords are made and revoked, then the activity log says so without the password', async () => {
    const carol = await w.makeUser();
    const path = { jellyfinUserId: carol.id };
    const password = (await createAppPassword({ client: w.apiKey, path })).data?.password ?? '';
    await revokeAppPassword({ client: w.apiKey, path });
    // The recorder writes after the reply: wait for both entries.
    const page = await vi.waitFor(async () => {
      const answer = await listActivity({ client: w.apiKey, query: { user: carol.id } });
      expect(answer.data?.entries).toHaveLength(2);
      return answer;
    });
    const messages = (page.data?.entries ?? []).map((entry) => entry.message).sort();
    expect(messages).toEqual([
      `App password created for "${carol.name}".`,
      `App password revoked for "${carol.name}".`,
    ]);
    expect(JSON.stringify(page.data)).not.toContain(password);
  });

  it('when a user acts on another user, then every account operation is 403; an admin may', async () => {
    const alice = await w.makeUser();
    const bob = await w.makeUser();
    const admin = await w.makeUser({ admin: true });
    const bobClient = w.clientOn(await w.session(bob.id, 'bob-web'), 'bob-web');
    await w.session(alice.id, 'alice-web');
    const path = { jellyfinUserId: alice.id };
    const calls = [
      getAppPassword({ client: bobClient, path }),
      createAppPassword({ client: bobClient, path }),
      revokeAppPassword({ client: bobClient, path }),
      listDevices({ client: bobClient, path }),
      signOutDevice({ client: bobClient, path: { ...path, deviceId: 'alice-web' } }),
      signOutOtherDevices({ client: bobClient, path }),
    ];
    for (const answer of await Promise.all(calls)) expect(answer.response.status).toBe(403);
    const adminClient = w.clientOn(await w.session(admin.id, 'admin-web'), 'admin-web');
    const listed = await listDevices({ client: adminClient, path });
    expect(listed.data?.map((d) => [d.deviceId, d.current])).toEqual([['alice-web', false]]);
  });

  it('when a user signs out one device and then everywhere else, then only their own device stays', async () => {
    const alice = await w.makeUser();
    const bob = await w.makeUser();
    const token = await w.session(alice.id, 'alice-laptop');
    await w.session(alice.id, 'alice-phone');
    await w.session(alice.id, 'alice-tv');
    await w.session(bob.id, 'bob-phone');
    const self = w.clientOn(token, 'alice-laptop');
    const path = { jellyfinUserId: alice.id };
    const listed = await listDevices({ client: self, path });
    const ids = (listed.data ?? []).map((d) => d.deviceId).sort();
    expect(ids).toEqual(['alice-laptop', 'alice-phone', 'alice-tv']);
    expect(listed.data?.find((d) => d.current)?.deviceId).toBe('alice-laptop');

    expect(
      (await signOutDevice({ client: self, path: { ...path, deviceId: 'alice-phone' } })).response.status,
    ).toBe(204);
    expect(
      (await signOutDevice({ client: self, path: { ...path, deviceId: 'bob-phone' } })).response.status,
    ).toBe(404);
    expect((await signOutOtherDevices({ client: self, path })).data).toEqual({ signedOut: 1 });
    const left = await listDevices({ client: self, path });
    expect(left.data?.map((d) => d.deviceId)).toEqual(['alice-laptop']);
    const bobLeft = await listDevices({ client: w.apiKey, path: { jellyfinUserId: bob.id } });
    expect(bobLeft.data?.map((d) => d.deviceId)).toEqual(['bob-phone']);
  });

  it("when two users share a device, then a user's sign-out never ends the other's session; an admin's may", async () => {
    const alice = await w.makeUser();
    const bob = await w.makeUser();
    const aliceToken = await w.session(alice.id, 'family-tablet');
    const bobToken = await w.session(bob.id, 'family-tablet');
    const laptop = w.clientOn(await w.session(alice.id, 'alice-laptop'), 'alice-laptop');
    const path = { jellyfinUserId: alice.id, deviceId: 'family-tablet' };
    // Jellyfin's own record of the token, or whether the embedded directory still takes it.
    const alive = async (token: string): Promise<boolean> =>
      w.fake !== null
        ? w.fake.tokens.has(token)
        : (await listDevices({ client: w.clientOn(token, 'x'), path })).response.status !== 401;

    const own = await signOutDevice({ client: laptop, path });
    const others = await signOutOtherDevices({ client: laptop, path: { jellyfinUserId: alice.id } });
    if (w.fake === null) {
      // The embedded directory ends alice's session only.
      expect(own.response.status).toBe(204);
      expect(await alive(aliceToken)).toBe(false);
      expect(others.data).toEqual({ signedOut: 0 });
    } else {
      // Jellyfin can only end the device as a whole: refused, nothing ended, and skipped by "everywhere else".
      expect(own.response.status).toBe(409);
      expect(own.error).toMatchObject({ code: 'device_shared', reason: 'device_shared' });
      expect(others.data).toEqual({ signedOut: 0 });
      expect(await alive(aliceToken)).toBe(true);
    }
    expect(await alive(bobToken)).toBe(true);

    if (w.fake !== null) {
      expect((await signOutDevice({ client: w.apiKey, path })).response.status).toBe(204);
      expect([await alive(aliceToken), await alive(bobToken)]).toEqual([false, false]);
    }
  });
});

describe('app passwords switched off', () => {
  it('when SSO_APP_PASSWORDS is off, then making one is refused with a problem', async () => {
    const w = await embeddedWorld({ SSO_APP_PASSWORDS: 'off' });
    try {
      const alice = await w.makeUser();
      const answer = await createAppPassword({ client: w.apiKey, path: { jellyfinUserId: alice.id } });
      expect(answer.response.status).toBe(403);
      expect(answer.error).toMatchObject({ code: 'forbidden', reason: 'app_passwords_not_allowed' });
    } finally {
      await w.close();
    }
  });
});

describe('an app password sign-in refused', () => {
  it('when an app sends a wrong password, then the 401 tells its user to make an app password', async () => {
    const w = await embeddedWorld();
    try {
      const alice = await w.makeUser();
      const app = createClient({
        baseUrl: w.t.baseUrl,
        headers: {
          Authorization: 'MediaBrowser Client="Finamp", Device="Phone", DeviceId="p1", Version="1"',
        },
      });
      const answer = await authenticateByName({ client: app, body: { Username: alice.name, Pw: 'guess' } });
      expect(answer.response.status).toBe(401);
      expect(answer.error).toMatchObject({ code: 'unauthenticated', reason: 'wrong_password' });
      expect((answer.error as { detail: string }).detail).toContain('app password');
    } finally {
      await w.close();
    }
  });
});

describe('unlinking the last way in', () => {
  let w: LinkingWorld & { close(): Promise<void> };
  beforeAll(async () => {
    w = await linkingWorld();
  });
  afterAll(() => w.close());

  const unlink = (client: Client, userId: string, allowLastWayIn?: boolean) =>
    deleteLink({
      client,
      path: { mode: 'oid', provider: 'idp', jellyfinUserId: userId, canonicalName: 'sub-erin' },
      ...(allowLastWayIn === undefined ? {} : { query: { allowLastWayIn } }),
    });

  it('when an SSO-only user would lose their only link, then the user, an admin and a key get 409', async () => {
    const erin = await signInAs(w, 'sub-erin');
    const self = w.t.clientWith(erin.token);
    for (const client of [self, w.admin]) {
      const answer = await unlink(client, erin.id);
      expect(answer.response.status).toBe(409);
      expect(answer.error).toMatchObject({ code: 'link_conflict', reason: 'last_way_in' });
    }
    // Only an elevated caller may override, and only explicitly.
    expect((await unlink(self, erin.id, true)).response.status).toBe(403);
    expect((await unlink(w.admin, erin.id, true)).response.status).toBe(200);
  });

  it('when the only provider of a user disallows app passwords, then making one is 403 until it allows', async () => {
    const frank = await signInAs(w, 'sub-frank');
    const path = { jellyfinUserId: frank.id };
    const setAllowed = async (allowAppPasswords: boolean) => {
      const body = { oidEndpoint: w.idp.issuer, oidClientId: 'jellyfin', enabled: true, allowAppPasswords };
      const saved = await addOidcProvider({ client: w.admin, path: { provider: 'idp' }, body });
      expect(saved.response.status).toBe(200);
    };
    await setAllowed(false);
    const refused = await createAppPassword({ client: w.t.clientWith(frank.token), path });
    expect(refused.error).toMatchObject({ code: 'forbidden', reason: 'app_passwords_not_allowed' });
    await setAllowed(true);
    expect((await createAppPassword({ client: w.t.clientWith(frank.token), path })).response.status).toBe(
      201,
    );
  });
});
