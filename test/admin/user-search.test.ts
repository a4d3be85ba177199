// GET /sso/Users through the generated client, on the embedded directory and on the fake Jellyfin of each
// documented version: users found by part of their name in any case, sorted by name, limited, each with its
// links over both protocols (made by real OIDC sign-ins and a real SAML linking flow); elevated callers only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchUsers, type Client } from '../../clients/typescript/index.js';
import { startTestApp } from '../support/app.js';
import { startFakeJellyfin, type FakeJellyfin } from '../support/fake-jellyfin.js';
import { JELLYFIN_VERSIONS, requireJellyfinDocuments } from '../support/jellyfin-openapi.js';
import {
  addLinkingProviders,
  createTestSamlIdp,
  linkSamlIdentity,
  signInThroughOidc,
  type LinkingWorld,
} from '../support/linked-users.js';
import { jellyfinClient, startOidcIdp } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';
import { createUserWithToken, directoryOf } from '../support/users.js';

requireJellyfinDocuments();

const ACCOUNTS = {
  'sub-alice': { preferred_username: 'Alice-Smith' },
  'sub-malia': { preferred_username: 'Malia' },
  'sub-bob': { preferred_username: 'bob' },
};

/** One running service with its IdPs, on either media server. */
interface World extends LinkingWorld {
  fake: FakeJellyfin | null;
  /** A token of an administrator user. */
  adminUser: Client;
}

/** The service on `mode`, with Alice-Smith (OIDC + SAML links), Malia and bob (one each), kalina (none). */
async function startWorld(mode: 'embedded' | (typeof JELLYFIN_VERSIONS)[number]): Promise<World> {
  const port = await freePort();
  const fake = mode === 'embedded' ? null : await startFakeJellyfin({ version: mode });
  const idp = await startOidcIdp({ clients: [jellyfinClient(port, 'idp')], accounts: ACCOUNTS });
  const saml = createTestSamlIdp();
  const env: Record<string, string> = { SSO_PUBLIC_URL: `http://127.0.0.1:${port}`, SSO_RATE_LIMIT: '0' };
  if (fake)
    Object.assign(env, {
      SSO_MEDIA_SERVER: 'jellyfin',
      JELLYFIN_URL: fake.url,
      JELLYFIN_API_KEY: fake.apiKey,
    });
  const t = await startTestApp(env, { port });
  const admin = fake ? t.clientWith(fake.apiKey) : t.admin;
  const adminToken = fake
    ? fake.addToken(fake.admin.id).token
    : (await createUserWithToken(t, { name: 'Root', admin: true })).token;
  const w: World = { t, idp, saml, fake, admin, adminUser: t.clientWith(adminToken) };
  await addLinkingProviders(w);

  const alice = await signInThroughOidc(w, 'sub-alice');
  await linkSamlIdentity(w, alice, 'alice@corp.example');
  await signInThroughOidc(w, 'sub-malia');
  await signInThroughOidc(w, 'sub-bob');
  if (fake) fake.addUser({ name: 'kalina' });
  else await directoryOf(t).createUser('kalina');
  return w;
}

const MODES = ['embedded', ...JELLYFIN_VERSIONS] as const;

describe.each(MODES)('searching users (%s)', (mode) => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld(mode);
  });
  afterAll(async () => {
    await w?.t.close();
    await w?.idp.close();
    await w?.fake?.close();
  });

  it('when an admin searches part of a name in another case, then the users holding it come sorted by name with their link counts', async () => {
    const { data, error, response } = await searchUsers({ client: w.admin, query: { search: 'ALI' } });
    expect(error).toBeUndefined();
    expect(response.status).toBe(200);
    // Sorted regardless of case: ordinal order would put "Malia" before "kalina".
    expect(data?.users.map(({ name, isAdministrator, links }) => ({ name, isAdministrator, links }))).toEqual(
      [
        { name: 'Alice-Smith', isAdministrator: false, links: 2 },
        { name: 'kalina', isAdministrator: false, links: 0 },
        { name: 'Malia', isAdministrator: false, links: 1 },
      ],
    );
    for (const user of data?.users ?? []) expect(user.id).toMatch(/^[0-9a-f]{32}$/);
    expect(w.fake?.violations ?? []).toEqual([]);
  });

  it('when the search is left out, then every user comes, administrators marked, and an administrator user may search too', async () => {
    const { data, response } = await searchUsers({ client: w.adminUser });
    expect(response.status).toBe(200);
    const names = data?.users.map((u) => u.name) ?? [];
    expect(names).toEqual(expect.arrayContaining(['Alice-Smith', 'bob', 'kalina', 'Malia']));
    const adminName = w.fake ? w.fake.admin.name : 'Root';
    expect(data?.users.find((u) => u.name === adminName)?.isAdministrator).toBe(true);
    expect(data?.users.find((u) => u.name === 'bob')?.links).toBe(1);
    expect(names).toEqual([...names].sort((a, b) => a.toUpperCase().localeCompare(b.toUpperCase())));
    expect(w.fake?.violations ?? []).toEqual([]);
  });

  it('when a limit is given, then only that many of the first users come', async () => {
    const { data } = await searchUsers({ client: w.admin, query: { search: 'ali', limit: 2 } });
    expect(data?.users.map((u) => u.name)).toEqual(['Alice-Smith', 'kalina']);
    const none = await searchUsers({ client: w.admin, query: { search: 'nobody-has-this' } });
    expect(none.data).toEqual({ users: [] });
  });

  it('when the caller is not elevated or unknown, then it is refused', async () => {
    const bob = await signInThroughOidc(w, 'sub-bob');
    const forbidden = await searchUsers({ client: w.t.clientWith(bob.token), query: { search: 'ali' } });
    expect(forbidden.response.status).toBe(403);
    expect(forbidden.error?.code).toBe('forbidden');
    const anonymous = await searchUsers({ client: w.t.anonymous, query: { search: 'ali' } });
    expect(anonymous.response.status).toBe(401);
  });

  it.each([0, 101, 2.5])('when the limit is %s, then a 400 problem names the limit', async (limit) => {
    const { error, response } = await searchUsers({ client: w.admin, query: { limit } });
    expect(response.status).toBe(400);
    expect(error?.code).toBe('invalid_request');
    expect(error?.errors?.map((e) => e.field)).toContain('query.limit');
  });

  it('when the search is empty, then a 400 problem names it', async () => {
    const { error, response } = await searchUsers({ client: w.admin, query: { search: '' } });
    expect(response.status).toBe(400);
    expect(error?.errors?.map((e) => e.field)).toContain('query.search');
  });
});
