// Conformance suite for the embedded media-server directory (src/media-server/embedded/): users with
// Jellyfin's defaults and name rules, tokens (API keys, sessions) stored as hashes only, Jellyfin's policy
// guards, sessions per device, bootstrap key idempotence across restarts, libraries and avatars. Runs on a
// SQLite file and, with TEST_PG_URL, on PostgreSQL.

import { expect, it } from 'vitest';
import { SsoError } from '../../src/sso/errors.js';
import { SSO_AUTH_PROVIDER_ID, type DeviceInfo } from '../../src/sso/ports.js';
import { sha256 } from '../../src/sso/basics.js';
import {
  createEmbeddedDirectory,
  MAX_AVATAR_BYTES,
  type EmbeddedDirectory,
} from '../../src/media-server/embedded/directory.js';
import { ApiKeyEntity, AvatarEntity, MediaUserEntity, MetaEntity } from '../../src/storage/entities.js';
import type { Orm } from '../../src/storage/orm.js';
import { upperInvariant } from '../../src/media-server/shared/jellyfin-rules.js';
import { newUserPolicy } from '../../src/media-server/shared/jellyfin-shapes.js';
import { describeEachDatabase, rawRows } from '../support/db.js';
import { uniqueName } from '../storage/fixtures.js';

const device = (deviceId = 'device-1', overrides: Partial<DeviceInfo> = {}): DeviceInfo => ({
  deviceId,
  deviceName: 'Firefox',
  appName: 'Jellyfin Web',
  appVersion: '10.11.0',
  ...overrides,
});

/** What the directory stored, read through the ORM (the same on SQLite and PostgreSQL). */
const storedAvatar = (orm: Orm, userId: string) => orm.em.fork().findOne(AvatarEntity, { user: userId });
const storedUser = (orm: Orm, userId: string) => orm.em.fork().findOne(MediaUserEntity, { id: userId });
async function storedIdentity(orm: Orm) {
  const em = orm.em.fork();
  const value = async (key: string) => (await em.findOneOrFail(MetaEntity, { key })).value;
  return { id: await value('embedded.server_id'), name: await value('embedded.server_name') };
}

/** The server identity a client sees: the ServerId and ServerName of a new session. */
async function identitySeen(dir: EmbeddedDirectory) {
  const user = await dir.createUser(uniqueName('probe'));
  const { ServerId, User } = await dir.createSession(user.id, device());
  expect(User.ServerId).toBe(ServerId);
  return { id: ServerId, name: User.ServerName };
}

describeEachDatabase('embedded directory', (ctx) => {
  const directory = () => createEmbeddedDirectory({ orm: ctx().db.orm });

  async function makeAdmin(name = uniqueName('admin')) {
    const user = await directory().createUser(name);
    return directory().updatePolicy(user.id, (policy) => ({ ...policy, IsAdministrator: true }));
  }

  it("when a user is created, then it has a 32-hex id, no password and Jellyfin's new-user policy as an SSO user", async () => {
    const user = await directory().createUser(uniqueName('alice'));
    expect(user.id).toMatch(/^[0-9a-f]{32}$/);
    expect(user.hasPassword).toBe(false);
    expect(user.policy).toEqual(newUserPolicy());
    expect(user.policy).toMatchObject({
      IsAdministrator: false,
      IsHidden: true,
      IsDisabled: false,
      EnableAllFolders: true,
      EnabledFolders: [],
      EnableLiveTvAccess: true,
      EnableLiveTvManagement: false,
      EnableRemoteAccess: true,
      EnableContentDownloading: true,
      EnableUserPreferenceAccess: true,
      EnableMediaPlayback: true,
      AuthenticationProviderId: SSO_AUTH_PROVIDER_ID,
      PasswordResetProviderId: 'Jellyfin.Server.Implementations.Users.DefaultPasswordResetProvider',
    });
    expect(await directory().getUserById(user.id)).toEqual(user);
    expect(await directory().getUserById(user.id.toUpperCase())).toEqual(user);
  });

  it('when a user is looked up by name, then the match is case-insensitive', async () => {
    const name = uniqueName('Bob.Smith@example.com');
    const user = await directory().createUser(name);
    expect((await directory().getUserByName(name.toUpperCase()))?.id).toBe(user.id);
    expect((await directory().getUserByName(name.toLowerCase()))?.id).toBe(user.id);
    expect(await directory().getUserByName(`${name}x`)).toBeNull();
  });

  it('when a name is taken in another case, then createUser throws name_conflict', async () => {
    const name = uniqueName('Carol');
    await directory().createUser(name);
    await expect(directory().createUser(name.toUpperCase())).rejects.toMatchObject({ code: 'name_conflict' });
  });

  it("when a name breaks Jellyfin's rule, then createUser throws invalid_request; valid unusual names pass", async () => {
    for (const bad of ['', ' lead', 'trail ', 'semi;colon', 'slash/name', 'quote"d', 'tab\tname']) {
      await expect(directory().createUser(bad)).rejects.toMatchObject({ code: 'invalid_request' });
    }
    for (const good of [uniqueName("o'brien_x.y+z@host"), uniqueName('Zoë Ünïcode'), uniqueName('名前')]) {
      expect((await directory().createUser(good)).name).toBe(good);
    }
  });

  it('when names differ only by ß and SS, then they are different users, as ToUpperInvariant keeps ß', async () => {
    const suffix = uniqueName('');
    await directory().createUser(`straße${suffix}`);
    expect(upperInvariant('straße')).toBe('STRAßE');
    expect((await directory().createUser(`strasse${suffix}`)).name).toBe(`strasse${suffix}`);
  });

  it('when an API key is created, then it is 32 lower hex, resolves to an API-key principal, and only its hash is stored', async () => {
    const { key, info } = await directory().createApiKey('my tool');
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(await directory().resolveToken(key)).toEqual({ kind: 'apiKey', keyId: info.id, name: 'my tool' });
    const rows = await rawRows(ctx().db, 'select * from media_api_key');
    expect(JSON.stringify(rows)).not.toContain(key);
    expect(rows.map((r) => r.token_hash)).toContain(sha256(key));
    const listed = await directory().listApiKeys();
    expect(listed.find((k) => k.id === info.id)).toEqual(info);
    expect(JSON.stringify(listed)).not.toContain(key);
  });

  it('when an API key is revoked, then it no longer resolves and a second revoke reports false', async () => {
    const { key, info } = await directory().createApiKey('temp');
    expect(await directory().revokeApiKey(info.id)).toBe(true);
    expect(await directory().resolveToken(key)).toBeNull();
    expect(await directory().revokeApiKey(info.id)).toBe(false);
    expect((await directory().listApiKeys()).find((k) => k.id === info.id)?.revokedAt).toBeInstanceOf(Date);
  });

  it('when an unknown or empty token is resolved, then the answer is null', async () => {
    expect(await directory().resolveToken('0123456789abcdef0123456789abcdef')).toBeNull();
    expect(await directory().resolveToken('')).toBeNull();
  });

  it('when a session is created, then the result is a Jellyfin AuthenticationResult and the token resolves to the user', async () => {
    const user = await directory().createUser(uniqueName('dave'));
    const result = await directory().createSession(user.id, device());
    const info = await storedIdentity(ctx().db.orm);
    expect(result.AccessToken).toMatch(/^[0-9a-f]{32}$/);
    expect(result.ServerId).toBe(info.id);
    expect(result.User).toMatchObject({
      Id: user.id,
      Name: user.name,
      ServerId: info.id,
      ServerName: info.name,
      HasPassword: false,
      HasConfiguredPassword: false,
      EnableAutoLogin: false,
      Policy: user.policy,
      Configuration: expect.objectContaining({ PlayDefaultAudioTrack: true, SubtitleMode: 'Default' }),
    });
    expect(result.User.LastLoginDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(result.User.LastActivityDate).toBe(result.User.LastLoginDate);
    expect(result.SessionInfo).toEqual({
      PlayableMediaTypes: [],
      Id: expect.stringMatching(/^[0-9a-f]{32}$/),
      UserId: user.id,
      UserName: user.name,
      Client: 'Jellyfin Web',
      LastActivityDate: result.User.LastLoginDate,
      DeviceName: 'Firefox',
      DeviceId: 'device-1',
      ApplicationVersion: '10.11.0',
      IsActive: true,
      ServerId: info.id,
      SupportedCommands: [],
    });
    expect(await directory().resolveToken(result.AccessToken)).toEqual({ kind: 'user', user });
    const stored = await rawRows(ctx().db, 'select * from media_session');
    expect(JSON.stringify(stored)).not.toContain(result.AccessToken);
  });

  it('when the same user signs in again on the same device, then the old token is replaced; other devices keep theirs', async () => {
    const user = await directory().createUser(uniqueName('erin'));
    const first = await directory().createSession(user.id, device('phone'));
    const laptop = await directory().createSession(user.id, device('laptop'));
    const second = await directory().createSession(user.id, device('phone'));
    expect(second.AccessToken).not.toBe(first.AccessToken);
    expect(await directory().resolveToken(first.AccessToken)).toBeNull();
    expect(await directory().resolveToken(second.AccessToken)).not.toBeNull();
    expect(await directory().resolveToken(laptop.AccessToken)).not.toBeNull();
  });

  it('when a session is requested for an unknown user or an empty device id, then it is refused', async () => {
    await expect(
      directory().createSession('0123456789abcdef0123456789abcdef', device()),
    ).rejects.toMatchObject({ code: 'user_not_found' });
    const user = await directory().createUser(uniqueName('frank'));
    await expect(directory().createSession(user.id, device(''))).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });

  it('when a user is disabled, then their token resolves to null and they cannot get a new session', async () => {
    await makeAdmin(); // so that disabling a user never trips "last enabled user"
    const user = await directory().createUser(uniqueName('grace'));
    const session = await directory().createSession(user.id, device());
    await directory().updatePolicy(user.id, (policy) => ({ ...policy, IsDisabled: true }));
    expect(await directory().resolveToken(session.AccessToken)).toBeNull();
    await expect(directory().createSession(user.id, device())).rejects.toMatchObject({
      code: 'media_server_refused',
    });
    // Re-enabling does not revive the old token (disabling revoked it, as Jellyfin does).
    await directory().updatePolicy(user.id, (policy) => ({ ...policy, IsDisabled: false }));
    expect(await directory().resolveToken(session.AccessToken)).toBeNull();
  });

  it('when a user is deleted, then it, its sessions and its avatar are gone; deleting it again is no error', async () => {
    const user = await directory().createUser(uniqueName('gone'));
    const { AccessToken } = await directory().createSession(user.id, device());
    await directory().setAvatar(user.id, { contentType: 'image/png', bytes: new Uint8Array([1, 2, 3]) });
    await directory().deleteUser(user.id);
    expect(await directory().getUserById(user.id)).toBeNull();
    expect(await directory().resolveToken(AccessToken)).toBeNull();
    expect(await storedAvatar(ctx().db.orm, user.id)).toBeNull();
    await expect(directory().deleteUser(user.id)).resolves.toBeUndefined();
    await expect(directory().deleteUser('not-a-guid')).resolves.toBeUndefined();
  });

  it('when a policy is changed, then fields the change does not touch survive (read-modify-write)', async () => {
    const user = await directory().createUser(uniqueName('heidi'));
    await directory().updatePolicy(user.id, (policy) => ({
      ...policy,
      MaxParentalRating: 12,
      BlockedTags: ['x'],
    }));
    const updated = await directory().updatePolicy(user.id, (policy) => ({
      ...policy,
      EnableAllFolders: false,
      EnabledFolders: ['abc'],
    }));
    expect(updated.policy).toMatchObject({
      MaxParentalRating: 12,
      BlockedTags: ['x'],
      EnableAllFolders: false,
      EnabledFolders: ['abc'],
    });
    expect((await directory().getUserById(user.id))?.policy).toEqual(updated.policy);
  });

  it('when a policy lacks AuthenticationProviderId, then it is refused as invalid_request and nothing changes', async () => {
    const user = await directory().createUser(uniqueName('ivan'));
    await expect(
      directory().updatePolicy(user.id, (policy) => ({
        ...policy,
        AuthenticationProviderId: '',
        IsHidden: false,
      })),
    ).rejects.toMatchObject({
      code: 'invalid_request',
    });
    expect((await directory().getUserById(user.id))?.policy.IsHidden).toBe(true);
  });

  it('when the policy of an unknown user is changed, then user_not_found', async () => {
    await expect(
      directory().updatePolicy('ffffffffffffffffffffffffffffffff', (p) => p),
    ).rejects.toMatchObject({ code: 'user_not_found' });
  });

  it('when an administrator is disabled, then it is refused', async () => {
    const admin = await makeAdmin();
    await makeAdmin();
    const error = await directory()
      .updatePolicy(admin.id, (policy) => ({ ...policy, IsDisabled: true }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SsoError);
    expect(error).toMatchObject({
      code: 'media_server_refused',
      message: 'Administrators cannot be disabled.',
    });
  });
});

// A separate database: "the last administrator" needs a directory where we control every user.
describeEachDatabase('embedded directory administrators', (ctx) => {
  const directory = () => createEmbeddedDirectory({ orm: ctx().db.orm });

  it('when the last administrator would be demoted, then it is refused; with a second admin it is allowed', async () => {
    const first = await directory().createUser('first-admin');
    await directory().updatePolicy(first.id, (policy) => ({ ...policy, IsAdministrator: true }));
    await expect(
      directory().updatePolicy(first.id, (policy) => ({ ...policy, IsAdministrator: false })),
    ).rejects.toMatchObject({
      code: 'media_server_refused',
      message: expect.stringMatching(/at least one user .* administrative access/),
    });
    expect((await directory().getUserById(first.id))?.policy.IsAdministrator).toBe(true);

    const second = await directory().createUser('second-admin');
    await directory().updatePolicy(second.id, (policy) => ({ ...policy, IsAdministrator: true }));
    const demoted = await directory().updatePolicy(first.id, (policy) => ({
      ...policy,
      IsAdministrator: false,
    }));
    expect(demoted.policy.IsAdministrator).toBe(false);
  });

  it('when every administrator is demoted at the same time, then all but one demotion succeed', async () => {
    for (const name of ['race-admin-1', 'race-admin-2', 'race-admin-3', 'race-admin-4', 'race-admin-5']) {
      const user = await directory().createUser(name);
      await directory().updatePolicy(user.id, (policy) => ({ ...policy, IsAdministrator: true }));
    }
    const targets = (await directory().listUsers()).filter((u) => u.policy.IsAdministrator);
    expect(targets.length).toBeGreaterThanOrEqual(2);
    const results = await Promise.allSettled(
      targets.map((user) =>
        createEmbeddedDirectory({ orm: ctx().db.orm }).updatePolicy(user.id, (p) => ({
          ...p,
          IsAdministrator: false,
        })),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(targets.length - 1);
    expect((await directory().listUsers()).filter((u) => u.policy.IsAdministrator)).toHaveLength(1);
  });

  it('when users are listed, then they come ordered by name', async () => {
    const names = (await directory().listUsers()).map((u) => u.name);
    expect(names).toEqual([...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
  });
});

// A database without administrators (API keys only): Jellyfin's "at least one enabled user" rule.
describeEachDatabase('embedded directory without administrators', (ctx) => {
  it('when the only enabled user would be disabled, then it is refused', async () => {
    const directory = createEmbeddedDirectory({ orm: ctx().db.orm });
    const a = await directory.createUser('user-a');
    const b = await directory.createUser('user-b');
    expect((await directory.updatePolicy(a.id, (p) => ({ ...p, IsDisabled: true }))).policy.IsDisabled).toBe(
      true,
    );
    await expect(directory.updatePolicy(b.id, (p) => ({ ...p, IsDisabled: true }))).rejects.toMatchObject({
      code: 'media_server_refused',
      message: 'There must be at least one enabled user in the system.',
    });
  });
});

describeEachDatabase('embedded directory across restarts', (ctx) => {
  it('when the bootstrap key is set twice and after a restart, then one active key with that value exists and the outcome is created, then kept', async () => {
    const value = 'bootstrap-key-0123456789abcdef';
    const first = await createEmbeddedDirectory({ orm: ctx().db.orm }).setBootstrapKey(value);
    expect(first.outcome).toBe('created');
    const again = await createEmbeddedDirectory({ orm: ctx().db.orm }).setBootstrapKey(value);
    expect(again).toMatchObject({ outcome: 'kept', revokedKeys: 0, info: { id: first.info.id } });
    const db = await ctx().reopen();
    const afterRestart = createEmbeddedDirectory({ orm: db.orm });
    expect((await afterRestart.setBootstrapKey(value)).info.id).toBe(first.info.id);
    expect((await afterRestart.listApiKeys()).filter((k) => k.name === 'bootstrap')).toHaveLength(1);
    expect(await afterRestart.resolveToken(value)).toEqual({
      kind: 'apiKey',
      keyId: first.info.id,
      name: 'bootstrap',
    });
  });

  it('when a restart sets another bootstrap value, then the old key stops working, the new one works, and other keys are untouched', async () => {
    const dir = createEmbeddedDirectory({ orm: ctx().db.orm });
    const old = await dir.setBootstrapKey('bootstrap-old-0123456789abcdef');
    const cli = await dir.createApiKey('ops');
    const db = await ctx().reopen();
    const restarted = createEmbeddedDirectory({ orm: db.orm });
    const replaced = await restarted.setBootstrapKey('bootstrap-new-0123456789abcdef');
    expect(replaced).toMatchObject({ outcome: 'replaced', revokedKeys: 1 });
    expect(await restarted.resolveToken('bootstrap-old-0123456789abcdef')).toBeNull();
    expect(await restarted.resolveToken('bootstrap-new-0123456789abcdef')).toMatchObject({
      name: 'bootstrap',
    });
    expect(await restarted.resolveToken(cli.key)).toMatchObject({ name: 'ops' });
    const active = (await restarted.listApiKeys()).filter((k) => k.revokedAt === null);
    expect(active.map((k) => k.name).sort()).toEqual(['bootstrap', 'ops']);
    expect(active.some((k) => k.id === old.info.id)).toBe(false);
  });

  it('when older databases hold several keys named bootstrap, then setting the value leaves exactly one active', async () => {
    const dir = createEmbeddedDirectory({ orm: ctx().db.orm });
    await dir.setBootstrapKey('bootstrap-first-0123456789abc');
    // Rows as earlier versions wrote them: one per value ever configured, all active.
    await ctx()
      .db.orm.em.fork()
      .insert(ApiKeyEntity, {
        id: 'f'.repeat(32),
        name: 'bootstrap',
        tokenHash: 'e'.repeat(64),
        createdAt: new Date(),
        revokedAt: null,
      });
    const outcome = await dir.setBootstrapKey('bootstrap-first-0123456789abc');
    expect(outcome).toMatchObject({ outcome: 'replaced', revokedKeys: 1 });
    const active = (await dir.listApiKeys()).filter((k) => k.revokedAt === null && k.name === 'bootstrap');
    expect(active).toHaveLength(1);
  });

  it('when the bootstrap key was revoked but is still configured, then setting it makes it active again', async () => {
    const value = 'bootstrap-revoked-0123456789';
    const dir = createEmbeddedDirectory({ orm: ctx().db.orm });
    const { info } = await dir.setBootstrapKey(value);
    await dir.revokeApiKey(info.id);
    expect(await dir.resolveToken(value)).toBeNull();
    expect((await dir.setBootstrapKey(value)).info.revokedAt).toBeNull();
    expect(await dir.resolveToken(value)).not.toBeNull();
  });

  it('when the bootstrap key is set concurrently, then exactly one key row exists', async () => {
    const value = 'bootstrap-race-0123456789abcdef';
    const results = await Promise.all(
      Array.from({ length: 5 }, () => createEmbeddedDirectory({ orm: ctx().db.orm }).setBootstrapKey(value)),
    );
    expect(new Set(results.map((r) => r.info.id)).size).toBe(1);
    const rows = await rawRows(
      ctx().db,
      `select id from media_api_key where token_hash = '${sha256(value)}'`,
    );
    expect(rows.length).toBe(1);
  });

  it('when the bootstrap key is too short, or the CLI asks for a key named bootstrap, then it is refused', async () => {
    const dir = createEmbeddedDirectory({ orm: ctx().db.orm });
    await expect(dir.setBootstrapKey('short')).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(dir.createApiKey(' Bootstrap ')).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('when sessions are made before and after a restart, then the server id is the same 32-hex value', async () => {
    const before = await identitySeen(createEmbeddedDirectory({ orm: ctx().db.orm }));
    expect(before.id).toMatch(/^[0-9a-f]{32}$/);
    const db = await ctx().reopen();
    const after = await identitySeen(createEmbeddedDirectory({ orm: db.orm }));
    expect(after.id).toBe(before.id);
    const renamed = await identitySeen(createEmbeddedDirectory({ orm: db.orm, serverName: 'Family Media' }));
    expect(renamed).toEqual({ id: before.id, name: 'Family Media' });
    expect((await identitySeen(createEmbeddedDirectory({ orm: db.orm }))).name).toBe('Family Media');
  });

  it('when libraries are set, then they are listed in the given order with normalized ids', async () => {
    const dir = createEmbeddedDirectory({ orm: ctx().db.orm });
    await dir.setLibraries([
      { Id: 'F0000000-0000-0000-0000-000000000002', Name: 'Shows', CollectionType: 'tvshows' },
      { Id: 'f0000000000000000000000000000001', Name: 'Movies', CollectionType: 'movies' },
      { Id: 'f0000000000000000000000000000003', Name: 'Misc' },
    ]);
    expect(await dir.listLibraries()).toEqual([
      { Id: 'f0000000000000000000000000000002', Name: 'Shows', CollectionType: 'tvshows' },
      { Id: 'f0000000000000000000000000000001', Name: 'Movies', CollectionType: 'movies' },
      { Id: 'f0000000000000000000000000000003', Name: 'Misc', CollectionType: null },
    ]);
    await dir.setLibraries([{ Id: 'f0000000000000000000000000000009', Name: 'Only' }]);
    expect((await dir.listLibraries()).map((l) => l.Name)).toEqual(['Only']);
  });

  it('when libraries are invalid, then setLibraries refuses them and keeps the old list', async () => {
    const dir = createEmbeddedDirectory({ orm: ctx().db.orm });
    const before = await dir.listLibraries();
    for (const bad of [
      [{ Id: 'movies', Name: 'Movies' }],
      [{ Id: 'f0000000000000000000000000000001', Name: ' ' }],
      [
        { Id: 'f0000000000000000000000000000001', Name: 'A' },
        { Id: 'F0000000000000000000000000000001', Name: 'B' },
      ],
      [{ Id: 'f0000000000000000000000000000001', Name: 'A', CollectionType: 'cartoons' }],
    ]) {
      await expect(dir.setLibraries(bad)).rejects.toMatchObject({ code: 'invalid_request' });
    }
    expect(await dir.listLibraries()).toEqual(before);
  });

  it('when the directory is configured with libraries, then they replace the stored list', async () => {
    const dir = createEmbeddedDirectory({
      orm: ctx().db.orm,
      libraries: [{ Id: 'a0000000000000000000000000000000', Name: 'Configured' }],
    });
    expect(await dir.listLibraries()).toEqual([
      { Id: 'a0000000000000000000000000000000', Name: 'Configured', CollectionType: null },
    ]);
  });

  it('when an avatar is set, then it is stored and replaced; oversized, non-image or unknown-user avatars are refused', async () => {
    const dir = createEmbeddedDirectory({ orm: ctx().db.orm });
    const user = await dir.createUser(uniqueName('avatar'));
    await dir.setAvatar(user.id, { contentType: 'image/png', bytes: new Uint8Array([137, 80, 78, 71]) });
    await dir.setAvatar(user.id, { contentType: 'image/jpeg', bytes: new Uint8Array([255, 216, 255]) });
    const avatar = await storedAvatar(ctx().db.orm, user.id);
    expect(avatar?.contentType).toBe('image/jpeg');
    expect([...(avatar?.bytes ?? [])]).toEqual([255, 216, 255]);
    await expect(
      dir.setAvatar(user.id, { contentType: 'image/png', bytes: new Uint8Array(MAX_AVATAR_BYTES + 1) }),
    ).rejects.toMatchObject({
      code: 'invalid_request',
    });
    await expect(
      dir.setAvatar(user.id, { contentType: 'text/html', bytes: new Uint8Array([1]) }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(
      dir.setAvatar('ffffffffffffffffffffffffffffffff', {
        contentType: 'image/png',
        bytes: new Uint8Array([1]),
      }),
    ).rejects.toMatchObject({
      code: 'user_not_found',
    });
  });

  it('when a session token is used, then last activity is refreshed at most every 3 minutes', async () => {
    let now = new Date(Date.UTC(2030, 0, 1, 10, 0, 0, 0));
    const dir = createEmbeddedDirectory({ orm: ctx().db.orm, clock: { now: () => now } });
    const user = await dir.createUser(uniqueName('active'));
    const session = await dir.createSession(user.id, device());
    now = new Date(now.getTime() + 60_000);
    await dir.resolveToken(session.AccessToken);
    expect((await storedUser(ctx().db.orm, user.id))?.lastActivityDate?.toISOString()).toBe(
      '2030-01-01T10:00:00.000Z',
    );
    now = new Date(now.getTime() + 3 * 60_000);
    await dir.resolveToken(session.AccessToken);
    expect((await storedUser(ctx().db.orm, user.id))?.lastActivityDate?.toISOString()).toBe(
      '2030-01-01T10:04:00.000Z',
    );
  });
});
