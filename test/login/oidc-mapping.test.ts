// Role mapping end to end against a real OpenID Provider (oidc-provider, in-process on 127.0.0.1):
// every `roleClaim` shape the service understands (docs/plugin-compatibility.md §5.3.6), folder roles and Live TV
// roles landing in the policy Auth returns (§7, §8.2), a username with HTML in it, and the last
// administrator who is never demoted (docs/security.md §3).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { addOidcProvider, authenticateOidc, listOidcLinks } from '../../clients/typescript/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { CookieJar, authBody, browserGet, pageParams } from '../support/browser.js';
import { followLogin, startOidcIdp, type OidcIdp } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';
import { expectPrivateFailure } from '../support/error-page.js';

const F_MEMBERS = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const F_MOVIES = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const F_SERIES = 'cccccccccccccccccccccccccccccccc';
const F_KIDS = 'dddddddddddddddddddddddddddddddd';
const F_DECOY = 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee';
const F_IGNORED = 'ffffffffffffffffffffffffffffffff';

const HTML_NAME = '<img src=x onerror=alert(1)>';

/** Role → folder: the folders a user ends up with say exactly which roles were read from the claim. */
const FOLDER_ROLES = [
  { role: 'members', folders: [F_MEMBERS] },
  { role: 'movies', folders: [F_MOVIES] },
  { role: 'series', folders: [F_SERIES, F_MOVIES] },
  { role: 'kids', folders: [F_KIDS] },
  { role: 'Jellyfin Members', folders: [F_MEMBERS] },
  { role: 'Family Movies', folders: [F_MOVIES] },
  { role: 'decoy', folders: [F_DECOY] },
];

const ACCOUNTS: Record<string, Record<string, unknown>> = {
  'sub-groups': { preferred_username: 'grace', groups: ['members', 'movies', 'series', 'unmapped'] },
  'sub-tv': { preferred_username: 'tina', groups: ['members', 'tv'] },
  'sub-tv-admin': { preferred_username: 'tom', groups: ['members', 'tv', 'tv-admin'] },
  'sub-realm': { preferred_username: 'rita', realm_access: { roles: ['members', 'kids'] } },
  'sub-client': {
    preferred_username: 'carl',
    // The escaped dot must pick the key "jellyfin.client", never the nested jellyfin → client.
    resource_access: {
      'jellyfin.client': { roles: ['members', 'series'] },
      jellyfin: { client: { roles: ['decoy'] } },
    },
  },
  'sub-zitadel': {
    preferred_username: 'zoe',
    'urn:zitadel:iam:org:project:roles': {
      members: { '231848297847848': 'example.zitadel.cloud' },
      kids: { '231848297847848': 'example.zitadel.cloud' },
    },
  },
  'sub-spaces': { preferred_username: 'sam', roles_text: 'members  movies' },
  'sub-commas': { preferred_username: 'cora', roles_csv: 'Jellyfin Members, Family Movies' },
  'sub-url': { preferred_username: 'uma', 'https://example.com/groups': ['members', 'kids'] },
  'sub-bad-shape': { preferred_username: 'bea', roles_bad: [{ name: 'members' }] },
  'sub-html': { preferred_username: HTML_NAME, groups: ['members'] },
  'sub-root': { preferred_username: 'root', groups: ['members', 'admins'] },
  'sub-second-admin': { preferred_username: 'ada', groups: ['members', 'admins'] },
  'sub-null-role': { preferred_username: 'nell', groups: ['admins', null] },
};

const PROVIDERS = [
  'folders',
  'livetv',
  'groups',
  'realm',
  'client',
  'zitadel',
  'spaces',
  'commas',
  'url',
  'url-unescaped',
  'bad-shape',
  'missing-claim',
  'html',
  'html-denied',
  'authz',
  'null-role',
];

let idp: OidcIdp;
let t: TestApp;
let port: number;

async function configure(name: string, extra: Record<string, unknown> = {}): Promise<void> {
  const { response, error } = await addOidcProvider({
    client: t.admin,
    path: { provider: name },
    body: {
      oidEndpoint: idp.issuer,
      oidClientId: 'jellyfin',
      oidSecret: 'jellyfin-secret',
      enabled: true,
      enableAuthorization: true,
      enableAllFolders: false,
      enabledFolders: [F_IGNORED],
      enableFolderRoles: true,
      folderRoleMapping: FOLDER_ROLES,
      roles: ['members', 'Jellyfin Members'],
      adminRoles: ['admins'],
      roleClaim: 'groups',
      oidScopes: ['groups'],
      ...extra,
    },
  });
  expect(error, JSON.stringify(error)).toBeUndefined();
  expect(response.status).toBe(200);
}

/** Start → IdP login as `sub` → our redirect page. */
async function reachPage(provider: string, sub: string) {
  const jar = new CookieJar();
  const start = await browserGet(`${t.baseUrl}/sso/OID/start/${provider}`, jar);
  expect(start.status).toBe(302);
  const callback = await followLogin(start.headers.get('location') ?? '', sub);
  const page = await browserGet(callback, jar);
  return { page, jar };
}

/** The whole sign-in; returns the AuthenticationResult. */
async function signIn(provider: string, sub: string) {
  const { page, jar } = await reachPage(provider, sub);
  expect(page.status, page.text.slice(0, 400)).toBe(200);
  const { data, response } = await authenticateOidc({
    client: t.anonymous,
    path: { provider },
    body: authBody(pageParams(page.text).data),
    headers: { cookie: jar.header() },
  });
  expect(response.status).toBe(200);
  return data!;
}

async function directoryUsers(): Promise<{ name: string; policy: { IsAdministrator: boolean } }[]> {
  const directory = t.app.mediaServer as unknown as {
    listUsers(): Promise<{ name: string; policy: { IsAdministrator: boolean } }[]>;
  };
  return directory.listUsers();
}

const sorted = (list: readonly string[] | undefined): string[] => [...(list ?? [])].sort();

beforeAll(async () => {
  port = await freePort();
  idp = await startOidcIdp({
    clients: [
      {
        client_id: 'jellyfin',
        client_secret: 'jellyfin-secret',
        redirect_uris: PROVIDERS.map((p) => `http://127.0.0.1:${port}/sso/OID/redirect/${p}`),
      },
    ],
    accounts: ACCOUNTS,
    // The front channel carries the parameters: one round trip less, and PAR is covered elsewhere.
    par: false,
  });
});
afterAll(async () => {
  await idp.close();
});
const startApp = async (): Promise<void> => {
  t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
};
const stopApp = async (): Promise<void> => {
  await t.close();
};

// One service for the mapping tests (starting one is slow): each test (re)configures the provider it
// uses first, and "no user created" is checked for the user in question, not as an empty directory.
describe('mapping through one service', () => {
  beforeAll(startApp);
  afterAll(stopApp);

  describe('folder roles and Live TV roles land in the policy', () => {
    it('when a user has folder roles, then EnabledFolders is the union of their mappings and enabledFolders is ignored', async () => {
      await configure('folders');
      const result = await signIn('folders', 'sub-groups');
      const policy = result.User.Policy!;
      expect(policy.EnableAllFolders).toBe(false);
      expect(sorted(policy.EnabledFolders)).toEqual([F_MEMBERS, F_MOVIES, F_SERIES]);
      expect(policy.EnabledFolders).not.toContain(F_IGNORED);
      expect(policy.IsAdministrator).toBe(false);
    });

    it('when the IdP removes a group, then the next sign-in removes its folders', async () => {
      await configure('folders');
      const groups = ACCOUNTS['sub-groups']!.groups;
      try {
        const first = await signIn('folders', 'sub-groups');
        ACCOUNTS['sub-groups']!.groups = ['members'];
        const second = await signIn('folders', 'sub-groups');
        expect(second.User.Id).toBe(first.User.Id);
        expect(second.User.Policy?.EnabledFolders).toEqual([F_MEMBERS]);
      } finally {
        ACCOUNTS['sub-groups']!.groups = groups;
      }
    });

    it('when folder roles are off, then enabledFolders is what the user gets', async () => {
      await configure('folders', { enableFolderRoles: false });
      const result = await signIn('folders', 'sub-groups');
      expect(result.User.Policy?.EnabledFolders).toEqual([F_IGNORED]);
    });

    it('when Live TV roles are on, then a tv role grants access and a tv-admin role management', async () => {
      await configure('livetv', {
        enableLiveTvRoles: true,
        liveTvRoles: ['tv'],
        liveTvManagementRoles: ['tv-admin'],
      });
      const viewer = (await signIn('livetv', 'sub-tv')).User.Policy!;
      expect([viewer.EnableLiveTvAccess, viewer.EnableLiveTvManagement]).toEqual([true, false]);
      const manager = (await signIn('livetv', 'sub-tv-admin')).User.Policy!;
      expect([manager.EnableLiveTvAccess, manager.EnableLiveTvManagement]).toEqual([true, true]);
      // A new account starts with Jellyfin's default (Live TV on); without a tv role the provider turns it off.
      const other = (await signIn('livetv', 'sub-groups')).User.Policy!;
      expect([other.EnableLiveTvAccess, other.EnableLiveTvManagement]).toEqual([false, false]);
    });

    it('when Live TV is on by default, then a user without a tv role keeps it', async () => {
      await configure('livetv', { enableLiveTvRoles: true, enableLiveTv: true, liveTvRoles: ['tv'] });
      const policy = (await signIn('livetv', 'sub-groups')).User.Policy!;
      expect(policy.EnableLiveTvAccess).toBe(true);
    });
  });

  describe('every roleClaim shape, end to end', () => {
    const cases = [
      {
        name: 'groups',
        sub: 'sub-groups',
        roleClaim: 'groups',
        folders: [F_MEMBERS, F_MOVIES, F_SERIES],
        shape: 'an array (groups)',
      },
      {
        name: 'realm',
        sub: 'sub-realm',
        roleClaim: 'realm_access.roles',
        folders: [F_MEMBERS, F_KIDS],
        shape: 'a nested path (realm_access.roles)',
      },
      {
        name: 'client',
        sub: 'sub-client',
        roleClaim: 'resource_access.jellyfin\\.client.roles',
        folders: [F_MEMBERS, F_MOVIES, F_SERIES],
        shape: 'an escaped dot (resource_access.jellyfin\\.client.roles)',
      },
      {
        name: 'zitadel',
        sub: 'sub-zitadel',
        roleClaim: 'urn:zitadel:iam:org:project:roles',
        folders: [F_MEMBERS, F_KIDS],
        shape: "Zitadel's object whose keys are the roles",
      },
      {
        name: 'spaces',
        sub: 'sub-spaces',
        roleClaim: 'roles_text',
        folders: [F_MEMBERS, F_MOVIES],
        shape: 'a space-separated string',
      },
      {
        name: 'commas',
        sub: 'sub-commas',
        roleClaim: 'roles_csv',
        folders: [F_MEMBERS, F_MOVIES],
        shape: 'a comma-separated string with inner spaces',
      },
      {
        name: 'url',
        sub: 'sub-url',
        roleClaim: 'https://example\\.com/groups',
        folders: [F_MEMBERS, F_KIDS],
        shape: 'a URL claim name with escaped dots',
      },
      {
        name: 'url-unescaped',
        sub: 'sub-url',
        roleClaim: 'https://example.com/groups',
        folders: [F_MEMBERS, F_KIDS],
        shape: 'a URL claim name written without escapes',
      },
    ];

    for (const c of cases) {
      it(`when the roles come as ${c.shape}, then the gate passes and exactly their folders are granted`, async () => {
        await configure(c.name, {
          roleClaim: c.roleClaim,
          oidScopes: c.roleClaim === 'groups' ? ['groups'] : [],
        });
        const result = await signIn(c.name, c.sub);
        expect(sorted(result.User.Policy?.EnabledFolders)).toEqual(sorted(c.folders));
        expect(result.User.Policy?.EnabledFolders).not.toContain(F_DECOY);
      });
    }

    it('when the roles come as a comma-separated string, then an admin role in it grants admin', async () => {
      await configure('commas', { roleClaim: 'roles_csv', adminRoles: ['Family Movies'] });
      const result = await signIn('commas', 'sub-commas');
      expect(result.User.Policy?.IsAdministrator).toBe(true);
    });

    it('when the role claim has the wrong shape, then the sign-in is a clear 403 denial and no user is created', async () => {
      await configure('bad-shape', { roleClaim: 'roles_bad' });
      const { page } = await reachPage('bad-shape', 'sub-bad-shape');
      expect(page.status).toBe(403);
      expectPrivateFailure(page, t.logs(), {
        reason: 'not_permitted',
        hidden: ['roles_bad'],
        logged: ['The role claim "roles_bad" has an unexpected shape'],
      });
      expect((await directoryUsers()).map((u) => u.name)).not.toContain('bea');
    });

    it('when the role list has a null entry, then it is skipped and the other roles still count', async () => {
      await configure('null-role', { roles: ['admins'] });
      const result = await signIn('null-role', 'sub-null-role');
      expect(result.User.Name).toBe('nell');
      expect(result.User.Policy?.IsAdministrator).toBe(true);
    });

    it('when the role claim is missing, then the user has no roles and the gate denies them', async () => {
      await configure('missing-claim', { roleClaim: 'realm_access.roles' });
      const before = (await directoryUsers()).length;
      const { page } = await reachPage('missing-claim', 'sub-groups');
      expect(page.status).toBe(403);
      expectPrivateFailure(page, t.logs(), {
        reason: 'not_permitted',
        hidden: ['Jellyfin Members'],
        logged: ['members, Jellyfin Members'],
      });
      expect(await directoryUsers()).toHaveLength(before);
    });
  });

  describe('a username claim with HTML in it', () => {
    it('when the username claim is HTML, then no page or response carries it unescaped and the name is normalised', async () => {
      await configure('html');
      const { page, jar } = await reachPage('html', 'sub-html');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).not.toMatch(/unsafe-inline/);
      for (const fragment of ['<img', 'onerror', 'alert(1)']) expect(page.text).not.toContain(fragment);
      expect(page.text).not.toContain('innerHTML');

      const raw = await fetch(`${t.baseUrl}/sso/OID/Auth/html`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: jar.header() },
        body: JSON.stringify(authBody(pageParams(page.text).data)),
      });
      const text = await raw.text();
      expect(raw.status).toBe(200);
      expect(raw.headers.get('content-type')).toMatch(/^application\/json/);
      for (const fragment of ['<img', '\\u003cimg', 'onerror=', '>']) expect(text).not.toContain(fragment);
      const result = JSON.parse(text) as { User: { Id: string; Name: string } };
      expect(result.User.Name).toMatch(/^[\p{L}\p{Nd}_ \-'.@+]+$/u);
      expect(result.User.Name).toContain('img src');
      const names = (await directoryUsers()).map((u) => u.name);
      expect(names).toContain(result.User.Name);
      expect(names.filter((name) => /[<>=()]/.test(name))).toEqual([]);

      // The link keeps the IdP's label as data; JSON with nosniff is never rendered as HTML.
      const links = await listOidcLinks({ client: t.admin, path: { jellyfinUserId: result.User.Id } });
      expect(links.response.status).toBe(200);
      expect(links.response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(links.response.headers.get('x-content-type-options')).toBe('nosniff');
    });

    it('when a user with an HTML username is denied, then the denial page does not carry the name', async () => {
      await configure('html-denied', { roles: ['nobody-has-this'] });
      const { page } = await reachPage('html-denied', 'sub-html');
      expect(page.status).toBe(403);
      for (const fragment of ['<img', 'onerror', 'alert(1)']) expect(page.text).not.toContain(fragment);
    });
  });
});

// A fresh service per test: "the only administrator" needs a directory of its own.
describe('the last administrator', () => {
  beforeEach(startApp);
  afterEach(stopApp);

  it('when the only administrator signs in without an admin role, then they stay administrator and a warning is logged', async () => {
    await configure('authz', { enableFolderRoles: false, enableAllFolders: true });
    const groups = ACCOUNTS['sub-root']!.groups;
    try {
      const first = await signIn('authz', 'sub-root');
      expect(first.User.Policy?.IsAdministrator).toBe(true);

      ACCOUNTS['sub-root']!.groups = ['members'];
      const second = await signIn('authz', 'sub-root');
      expect(second.User.Id).toBe(first.User.Id);
      expect(second.User.Policy?.IsAdministrator).toBe(true);
      expect((await directoryUsers()).filter((u) => u.policy.IsAdministrator).map((u) => u.name)).toEqual([
        'root',
      ]);
      expect(t.logs()).toMatch(/"level":40[^\n]*kept administrator rights/);
    } finally {
      ACCOUNTS['sub-root']!.groups = groups;
    }
  });

  it('when another administrator exists, then an administrator without an admin role is demoted', async () => {
    await configure('authz', { enableFolderRoles: false, enableAllFolders: true });
    const groups = ACCOUNTS['sub-root']!.groups;
    try {
      await signIn('authz', 'sub-second-admin');
      const first = await signIn('authz', 'sub-root');
      expect(first.User.Policy?.IsAdministrator).toBe(true);

      ACCOUNTS['sub-root']!.groups = ['members'];
      const second = await signIn('authz', 'sub-root');
      expect(second.User.Policy?.IsAdministrator).toBe(false);
      expect(t.logs()).not.toContain('kept administrator rights');
    } finally {
      ACCOUNTS['sub-root']!.groups = groups;
    }
  });
});
