// Ending sessions at the media server (MediaServer.endSession / signOutDevice) in both modes — the embedded
// directory on each test database, Jellyfin through the fake that checks every request against the official
// documents — and the use case endSsoSessions over the memory ports.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmbeddedDirectory } from '../../src/media-server/embedded/directory.js';
import { createJellyfinServer, type JellyfinServer } from '../../src/media-server/jellyfin/server.js';
import { endSsoSessions } from '../../src/sso/logout.js';
import type { DeviceInfo, SsoSession } from '../../src/sso/ports.js';
import { createMemoryStores } from '../../src/storage/memory/index.js';
import { describeEachDatabase } from '../support/db.js';
import { startFakeJellyfin, type FakeJellyfin } from '../support/fake-jellyfin.js';
import { JELLYFIN_VERSIONS, requireJellyfinDocuments } from '../support/jellyfin-openapi.js';
import { createMemoryMediaServer } from '../support/memory-media-server.js';
import { uniqueName, oidcSettings } from '../storage/fixtures.js';

const device = (deviceId: string): DeviceInfo => ({
  deviceId,
  deviceName: 'Firefox',
  appName: 'Jellyfin Web',
  appVersion: '10.10.7',
});

describeEachDatabase('ending sessions of the embedded directory', (ctx) => {
  const directory = () => createEmbeddedDirectory({ orm: ctx().db.orm });

  it('when a session is ended by its token, then that token stops resolving and the others stay', async () => {
    const user = await directory().createUser(uniqueName('alice'));
    const one = await directory().createSession(user.id, device(uniqueName('d1')));
    const two = await directory().createSession(user.id, device(uniqueName('d2')));
    await directory().endSession(one.AccessToken);
    expect(await directory().resolveToken(one.AccessToken)).toBeNull();
    expect(await directory().resolveToken(two.AccessToken)).not.toBeNull();
    await directory().endSession(one.AccessToken); // already gone: no error
  });

  it("when a user's device is signed out, then their sessions there end and another user's on it stay", async () => {
    const alice = await directory().createUser(uniqueName('alice'));
    const bob = await directory().createUser(uniqueName('bob'));
    const shared = uniqueName('shared');
    const a = await directory().createSession(alice.id, device(shared));
    const b = await directory().createSession(bob.id, device(shared));
    const elsewhere = await directory().createSession(alice.id, device(uniqueName('other')));
    for (const others of ['spare', 'end'] as const) {
      expect(await directory().signOutDevice(shared, alice.id, others)).toBe('signed_out');
      expect(await directory().resolveToken(a.AccessToken)).toBeNull();
      expect(await directory().resolveToken(b.AccessToken)).not.toBeNull();
      expect(await directory().resolveToken(elsewhere.AccessToken)).not.toBeNull();
    }
  });
});

requireJellyfinDocuments();
describe.each(JELLYFIN_VERSIONS)('ending sessions of Jellyfin %s', (version) => {
  let fake: FakeJellyfin;
  let jellyfin: JellyfinServer;

  beforeEach(async () => {
    fake = await startFakeJellyfin({ version });
    jellyfin = createJellyfinServer({ baseUrl: fake.url, apiKey: fake.apiKey, tokenCacheMs: 0 });
  });

  afterEach(async () => {
    await fake.close();
    expect(fake.violations).toEqual([]);
  });

  it("when a session is ended, then POST /Sessions/Logout is sent with the user's token and it is gone", async () => {
    const user = fake.addUser({ name: 'alice' });
    const token = fake.addToken(user.id);
    const other = fake.addToken(user.id);
    await jellyfin.endSession(token.token);
    expect(fake.tokens.has(token.token)).toBe(false);
    expect(fake.tokens.has(other.token)).toBe(true);
    expect(fake.requests.at(-1)).toMatchObject({ operationId: 'ReportSessionEnded', caller: 'user' });
    await jellyfin.endSession(token.token); // Jellyfin answers 401 for a token it no longer knows
    expect(fake.requests.at(-1)).toMatchObject({ operationId: 'ReportSessionEnded', status: 401 });
  });

  it("when a shared device is signed out sparing others, then nothing is sent to end it and it is 'shared'", async () => {
    const alice = fake.addUser({ name: 'alice' });
    const bob = fake.addUser({ name: 'bob' });
    const a = fake.addToken(alice.id, { deviceId: 'shared+/=' });
    const b = fake.addToken(bob.id, { deviceId: 'shared+/=' });
    expect(await jellyfin.signOutDevice('shared+/=', alice.id, 'spare')).toBe('shared');
    expect([fake.tokens.has(a.token), fake.tokens.has(b.token)]).toEqual([true, true]);
    expect(fake.requests.map((r) => r.operationId)).not.toContain('DeleteDevice');
    fake.tokens.delete(b.token);
    expect(await jellyfin.signOutDevice('shared+/=', alice.id, 'spare')).toBe('signed_out');
    expect(fake.tokens.has(a.token)).toBe(false);
  });

  it('when a device is signed out ending others, then DELETE /Devices?id= is sent with the API key and its tokens are gone', async () => {
    const alice = fake.addUser({ name: 'alice' });
    const bob = fake.addUser({ name: 'bob' });
    const a = fake.addToken(alice.id, { deviceId: 'shared+/=' });
    const b = fake.addToken(bob.id, { deviceId: 'shared+/=' });
    const elsewhere = fake.addToken(alice.id);
    expect(await jellyfin.signOutDevice('shared+/=', alice.id, 'end')).toBe('signed_out');
    expect([fake.tokens.has(a.token), fake.tokens.has(b.token)]).toEqual([false, false]);
    expect(fake.tokens.has(elsewhere.token)).toBe(true);
    expect(fake.requests.at(-1)).toMatchObject({
      operationId: 'DeleteDevice',
      caller: 'apiKey',
      query: { id: 'shared+/=' },
      status: 204,
    });
    await jellyfin.signOutDevice('shared+/=', alice.id, 'end'); // 404: nothing left is not an error
    expect(fake.requests.at(-1)).toMatchObject({ operationId: 'DeleteDevice', status: 404 });
  });
});

describe('endSsoSessions', () => {
  async function setUp() {
    const stores = createMemoryStores();
    const mediaServer = createMemoryMediaServer();
    const provider = await stores.providers.save('oidc', 'idp', { settings: oidcSettings(), secrets: {} });
    const record = async (subject: string, sid: string | null, deviceId: string) => {
      const user = mediaServer.addUser(uniqueName(subject));
      await mediaServer.createSession(user.id, device(deviceId));
      const session: SsoSession = {
        userId: user.id,
        deviceId,
        providerId: provider.id,
        protocol: 'oidc',
        subject,
        sid,
        idToken: 'id-token',
        nameIdFormat: null,
        createdAt: new Date(),
        expiresAt: new Date(Date.now() + 60_000),
      };
      await stores.ssoSessions.save(session);
      return session;
    };
    return { stores, mediaServer, provider, record };
  }

  it('when an IdP session is ended, then its devices are signed out and its records go, the others stay', async () => {
    const { stores, mediaServer, provider, record } = await setUp();
    const a = await record('alice', 's1', 'd1');
    const b = await record('alice', 's2', 'd2');
    const c = await record('bob', 's3', 'd3');
    const deps = { ssoSessions: stores.ssoSessions, mediaServer };
    const { ended } = await endSsoSessions(deps, { providerId: provider.id, subject: 'alice', sid: 's1' });
    expect(ended.map((session) => session.deviceId)).toEqual(['d1']);
    expect(mediaServer.sessions.map((session) => session.device.deviceId)).toEqual(['d2', 'd3']);
    expect(await stores.ssoSessions.findByDevice(a.userId, 'd1', new Date())).toBeNull();
    await endSsoSessions(deps, { providerId: provider.id, subject: 'alice' });
    expect(mediaServer.sessions.map((session) => session.device.deviceId)).toEqual(['d3']);
    expect(await stores.ssoSessions.findByDevice(b.userId, 'd2', new Date())).toBeNull();
    expect(await stores.ssoSessions.findByDevice(c.userId, 'd3', new Date())).not.toBeNull();
  });

  it('when the media server fails for one session, then the others still end and its record stays for a retry', async () => {
    const { stores, mediaServer, provider, record } = await setUp();
    const a = await record('alice', null, 'd1');
    await record('alice', null, 'd2');
    const failing = {
      ...mediaServer,
      signOutDevice: (deviceId: string, userId: string) =>
        deviceId === 'd1'
          ? Promise.reject(new Error('down'))
          : mediaServer.signOutDevice(deviceId, userId, 'end'),
    };
    const deps = { ssoSessions: stores.ssoSessions, mediaServer: failing };
    await expect(endSsoSessions(deps, { providerId: provider.id, subject: 'alice' })).rejects.toThrow('down');
    expect(mediaServer.sessions.map((session) => session.device.deviceId)).toEqual(['d1']);
    expect(await stores.ssoSessions.findByDevice(a.userId, 'd1', new Date())).not.toBeNull();
  });

  it('when nothing matches, then nothing is ended and nothing fails', async () => {
    const { stores, mediaServer, provider } = await setUp();
    const deps = { ssoSessions: stores.ssoSessions, mediaServer };
    expect(await endSsoSessions(deps, { providerId: provider.id, subject: 'nobody' })).toEqual({ ended: [] });
  });
});
