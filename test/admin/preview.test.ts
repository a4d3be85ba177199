// The admin's Preview (POST /sso/OID/Preview, /sso/SAML/Preview) through the generated client, held to what
// real sign-ins decide on the same claims: each case is previewed, then signed in for real through the
// in-process OpenID Provider or the SAML IdP, and the preview's answer is compared with what the sign-in
// did (refusal code, reason, rule and message in the activity log; name chosen and policy written by Auth).
// Also: a preview writes nothing, a disabled provider is previewed, and 404, 400, 401 and 403 answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  addOidcProvider,
  addSamlProvider,
  authenticateOidc,
  authenticateSaml,
  listActivity,
  previewOidcSignIn,
  previewSamlSignIn,
  type ActivityEntry,
  type AuthenticationResult,
  type SignInPreview,
} from '../../clients/typescript/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { CookieJar, authBody, browserGet, browserPostForm, pageParams } from '../support/browser.js';
import { rawRows } from '../support/db.js';
import { errorPageOf } from '../support/error-page.js';
import { followLogin, startOidcIdp, type OidcIdp } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';
import { genuineAndRogueIdps, type SamlIdp } from '../support/saml-idp.js';
import { createUserWithToken, directoryOf } from '../support/users.js';

const F_MEMBERS = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const F_MOVIES = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const F_SERIES = 'cccccccccccccccccccccccccccccccc';
const F_IGNORED = 'ffffffffffffffffffffffffffffffff';

/** Claims of each IdP account (the IdP adds `sub`); the preview is given exactly these. */
const ACCOUNTS: Record<string, Record<string, unknown>> = {
  'sub-member': { preferred_username: 'mia', groups: ['members'] },
  'sub-admin': { preferred_username: 'adam', groups: ['members', 'admins'] },
  'sub-stranger': { preferred_username: 'stan', groups: ['family'] },
  'sub-no-claim': { preferred_username: 'nora' },
  'sub-overage': { preferred_username: 'olga', hasgroups: true },
  'sub-bad-shape': { preferred_username: 'bea', roles_bad: [{ name: 'members' }] },
  'sub-folders': { preferred_username: 'grace', groups: ['members', 'movies', 'series', 'unmapped'] },
  'sub-tv': { preferred_username: 'tom', groups: ['members', 'tv', 'tv-admin'] },
  'sub-tv-viewer': { preferred_username: 'tina', groups: ['members', 'tv'] },
  'sub-taken': { preferred_username: 'tess', groups: ['members'] },
  'sub-returning': { preferred_username: 'rita', groups: ['members', 'movies'] },
  'sub-no-name': { groups: ['members'] },
  'sub-adopter': {
    preferred_username: 'ann',
    email: 'ann@example.com',
    email_verified: true,
    groups: ['members'],
  },
};

/** The role rules every OIDC provider of the suite shares: folder roles, a role gate, admins. */
const ROLE_RULES = {
  enabled: true,
  enableAuthorization: true,
  enableAllFolders: false,
  enabledFolders: [F_IGNORED],
  enableFolderRoles: true,
  folderRoleMapping: [
    { role: 'members', folders: [F_MEMBERS] },
    { role: 'movies', folders: [F_MOVIES] },
    { role: 'series', folders: [F_SERIES, F_MOVIES] },
  ],
  enableContentDownloading: false,
  roles: ['members'],
  adminRoles: ['admins'],
  roleClaim: 'groups',
  oidScopes: ['groups'],
};

const OIDC_PROVIDERS: Record<string, Record<string, unknown>> = {
  roles: {},
  livetv: { enableLiveTvRoles: true, liveTvRoles: ['tv'], liveTvManagementRoles: ['tv-admin'] },
  shape: { roleClaim: 'roles_bad' },
  adopt: { adoptExistingUsers: true, oidScopes: ['groups', 'email'] },
  off: { enabled: false },
};

let t: TestApp;
let idp: OidcIdp;
let saml: SamlIdp;

beforeAll(async () => {
  const port = await freePort();
  idp = await startOidcIdp({
    clients: [
      {
        client_id: 'jellyfin',
        client_secret: 'jellyfin-secret',
        redirect_uris: Object.keys(OIDC_PROVIDERS).map(
          (name) => `http://127.0.0.1:${port}/sso/OID/redirect/${name}`,
        ),
      },
    ],
    accounts: ACCOUNTS,
    par: false,
  });
  t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
  for (const [name, extra] of Object.entries(OIDC_PROVIDERS)) {
    await addOidcProvider({
      client: t.admin,
      path: { provider: name },
      body: {
        oidEndpoint: idp.issuer,
        oidClientId: 'jellyfin',
        oidSecret: 'jellyfin-secret',
        ...ROLE_RULES,
        ...extra,
      },
      throwOnError: true,
    });
  }
  ({ idp: saml } = genuineAndRogueIdps());
  await addSamlProvider({
    client: t.admin,
    path: { provider: 'corp' },
    body: {
      samlEndpoint: 'https://idp.example.test/sso',
      samlClientId: 'jellyfin',
      samlCertificate: saml.certificateBase64,
      enabled: true,
      enableAuthorization: true,
      enableAllFolders: true,
      enableLiveTv: true,
      roles: ['jellyfin-users'],
      adminRoles: ['jellyfin-admins'],
      samlUsernameAttribute: 'uid',
    },
    throwOnError: true,
  });
});
afterAll(async () => {
  await t.close();
  await idp.close();
});

// ---------------------------------------------------------------------------------------------------------
// Driving real sign-ins

type RealOutcome =
  { kind: 'allowed'; result: AuthenticationResult } | { kind: 'refused'; entry: ActivityEntry };

/** The activity entry of one request; it is written just after the reply, so it is waited for (bounded). */
async function entryOf(requestId: string): Promise<ActivityEntry> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const { data } = await listActivity({ client: t.admin, query: { limit: 200 } });
    const found = data?.entries.find((entry) => entry.requestId === requestId);
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no activity entry for request ${requestId}`);
}

/** A page that carries a flow token goes on to Auth; an error page is a refusal, read from the log. */
async function outcomeOf(
  page: { status: number; text: string },
  auth: (token: string) => Promise<{ data?: AuthenticationResult; response: Response }>,
): Promise<RealOutcome> {
  if (page.status !== 200) return { kind: 'refused', entry: await entryOf(errorPageOf(page.text).requestId) };
  const { data, response } = await auth(pageParams(page.text).data);
  if (response.status !== 200) {
    return { kind: 'refused', entry: await entryOf(response.headers.get('x-request-id') ?? '') };
  }
  return { kind: 'allowed', result: data! };
}

async function oidcSignIn(provider: string, sub: string): Promise<RealOutcome> {
  const jar = new CookieJar();
  const start = await browserGet(`${t.baseUrl}/sso/OID/start/${provider}`, jar);
  expect(start.status).toBe(302);
  const page = await browserGet(await followLogin(start.headers.get('location') ?? '', sub), jar);
  return outcomeOf(page, (token) =>
    authenticateOidc({
      client: t.anonymous,
      path: { provider },
      body: authBody(token),
      headers: { cookie: jar.header() },
    }),
  );
}

async function samlSignIn(nameId: string, attributes: Record<string, string[]>): Promise<RealOutcome> {
  const jar = new CookieJar();
  const start = await browserGet(`${t.baseUrl}/sso/SAML/start/corp`, jar);
  expect(start.status).toBe(302);
  const answer = await saml.respond(start.headers.get('location') ?? '', { nameId, attributes });
  const form = { SAMLResponse: answer.samlResponse, RelayState: answer.relayState ?? '' };
  const page = await browserPostForm(`${t.baseUrl}/sso/SAML/post/corp`, form, null);
  return outcomeOf(page, (token) =>
    authenticateSaml({
      client: t.anonymous,
      path: { provider: 'corp' },
      body: authBody(token),
      headers: { cookie: jar.header() },
    }),
  );
}

async function previewOidc(provider: string, sub: string): Promise<SignInPreview> {
  const { data, response, error } = await previewOidcSignIn({
    client: t.admin,
    path: { provider },
    body: { claims: { sub, ...ACCOUNTS[sub] } },
  });
  expect(response.status, JSON.stringify(error)).toBe(200);
  return data!;
}

async function previewSaml(nameId: string, attributes: Record<string, string[]>): Promise<SignInPreview> {
  const { data, response, error } = await previewSamlSignIn({
    client: t.admin,
    path: { provider: 'corp' },
    body: { nameId, attributes },
  });
  expect(response.status, JSON.stringify(error)).toBe(200);
  return data!;
}

const sorted = (list: readonly string[] | null | undefined): string[] => [...(list ?? [])].sort();

/**
 * The preview said what the sign-in did: the same refusal (code, reason, rule, message, step), or the same
 * user name (and user, when it named one) and every policy field the preview claims to know.
 */
function expectSameDecision(preview: SignInPreview, real: RealOutcome): void {
  if (real.kind === 'refused') {
    expect(preview.allowed, JSON.stringify(real.entry)).toBe(false);
    const { step, code, reason, rule, message } = real.entry;
    expect(preview.refusal).toMatchObject({ step, code, reason, rule, message });
    expect(preview.account).toBeNull();
    return;
  }
  expect(preview.allowed, JSON.stringify(preview.refusal)).toBe(true);
  const { User } = real.result;
  expect(preview.account?.username).toBe(User.Name);
  if (preview.account?.existingUser) expect(preview.account.existingUser.id).toBe(User.Id);
  const policy = User.Policy!;
  const access = preview.access!;
  const written: [keyof typeof access, unknown][] = [
    ['isAdmin', policy.IsAdministrator],
    ['enableAllFolders', policy.EnableAllFolders],
    ['enableLiveTv', policy.EnableLiveTvAccess],
    ['enableLiveTvManagement', policy.EnableLiveTvManagement],
    ['enableContentDownloading', policy.EnableContentDownloading],
  ];
  for (const [field, value] of written) if (access[field] !== null) expect(access[field], field).toBe(value);
  if (access.enableAllFolders === false)
    expect(sorted(access.folders)).toEqual(sorted(policy.EnabledFolders));
}

// ---------------------------------------------------------------------------------------------------------

interface Case {
  title: string;
  preview: () => Promise<SignInPreview>;
  signIn: () => Promise<RealOutcome>;
  /** What the preview itself must say, so that both sides agreeing on something wrong is caught. */
  expect: (preview: SignInPreview) => void;
}

/** Each case previewed first, then signed in for real: the preview must have said what happened. */
function expectEachAsSignedIn(cases: Case[]): void {
  for (const c of cases) {
    it(`when ${c.title}`, async () => {
      const preview = await c.preview();
      c.expect(preview);
      expectSameDecision(preview, await c.signIn());
    });
  }
}

function oidcCase(title: string, provider: string, sub: string, expect: Case['expect']): Case {
  return {
    title,
    preview: () => previewOidc(provider, sub),
    signIn: () => oidcSignIn(provider, sub),
    expect,
  };
}

function samlCase(
  title: string,
  nameId: string,
  attributes: Record<string, string[]>,
  check: Case['expect'],
): Case {
  return {
    title,
    preview: () => previewSaml(nameId, attributes),
    signIn: () => samlSignIn(nameId, attributes),
    expect: check,
  };
}

const OIDC_CASES: Case[] = [
  oidcCase(
    'an allowed member gets a new account named after preferred_username, with the member folder',
    'roles',
    'sub-member',
    (p) => {
      expect(p).toMatchObject({ allowed: true, subject: 'sub-member', roles: ['members'] });
      expect(p.roleSource).toEqual({ kind: 'claim', name: 'groups', present: true });
      expect(p.account).toMatchObject({
        action: 'create',
        username: 'mia',
        usernameSource: 'preferred_username',
      });
      expect(p.access).toMatchObject({
        isAdmin: false,
        folders: [F_MEMBERS],
        enableContentDownloading: false,
      });
    },
  ),
  oidcCase('an admin is an administrator', 'roles', 'sub-admin', (p) => expect(p.access?.isAdmin).toBe(true)),
  oidcCase(
    'a user in no allowed group is refused by the role gate, naming it',
    'roles',
    'sub-stranger',
    (p) => {
      expect(p).toMatchObject({ allowed: false, roles: ['family'], access: null });
      expect(p.refusal).toMatchObject({ code: 'not_permitted', rule: 'access.required_role' });
      expect(p.refusal?.summary).toBe('role gate: none of [members] in groups');
    },
  ),
  oidcCase('a user whose role claim is missing has no roles and is refused', 'roles', 'sub-no-claim', (p) => {
    expect(p.roleSource).toEqual({ kind: 'claim', name: 'groups', present: false });
    expect(p.refusal?.rule).toBe('access.required_role');
  }),
  oidcCase(
    'a role claim only pointed to (groups overage) is refused as not delivered',
    'roles',
    'sub-overage',
    (p) =>
      expect(p.refusal).toMatchObject({
        step: 'claims',
        reason: 'role_claim_not_delivered',
        rule: 'oidc.role_claim_not_delivered',
      }),
  ),
  oidcCase('a role claim of another shape is refused naming the claim', 'shape', 'sub-bad-shape', (p) => {
    expect(p.refusal).toMatchObject({ step: 'claims', rule: 'oidc.role_claim_shape' });
    expect(p.refusal?.message).toContain('"roles_bad"');
  }),
  oidcCase('folder roles give the union of their folders, not enabledFolders', 'roles', 'sub-folders', (p) =>
    expect(sorted(p.access?.folders)).toEqual(sorted([F_MEMBERS, F_MOVIES, F_SERIES])),
  ),
  oidcCase('Live TV roles grant Live TV and its management', 'livetv', 'sub-tv', (p) =>
    expect(p.access).toMatchObject({ enableLiveTv: true, enableLiveTvManagement: true }),
  ),
  oidcCase('the Live TV role alone grants no management', 'livetv', 'sub-tv-viewer', (p) =>
    expect(p.access).toMatchObject({ enableLiveTv: true, enableLiveTvManagement: false }),
  ),
  oidcCase('without a username claim the name comes from sub', 'roles', 'sub-no-name', (p) =>
    expect(p.account).toMatchObject({ username: 'sub-no-name', usernameSource: 'sub' }),
  ),
];

describe('OIDC Preview equals the real sign-in on the same claims', () => {
  expectEachAsSignedIn(OIDC_CASES);

  it('when the username is taken by another user, then the preview names the holder and the name a new user gets', async () => {
    const holder = await directoryOf(t).createUser('tess');
    const preview = await previewOidc('roles', 'sub-taken');
    expect(preview.account).toMatchObject({
      action: 'create',
      username: 'tess-2',
      desiredUsername: 'tess',
      nameTakenBy: { id: holder.id, name: 'tess' },
      existingUser: null,
    });
    expectSameDecision(preview, await oidcSignIn('roles', 'sub-taken'));
  });

  it('when a linked user returns, then the preview names that user and the policy the next sign-in writes', async () => {
    const first = await oidcSignIn('roles', 'sub-returning');
    expect(first.kind).toBe('allowed');
    const userId = first.kind === 'allowed' ? first.result.User.Id : '';
    // An admin's change the next sign-in overwrites: the preview must show the policy after it.
    await directoryOf(t).updatePolicy(userId, (policy) => ({ ...policy, EnabledFolders: [F_IGNORED] }));
    const preview = await previewOidc('roles', 'sub-returning');
    expect(preview.account).toMatchObject({ action: 'existing', existingUser: { id: userId, name: 'rita' } });
    expect(sorted(preview.access?.folders)).toEqual(sorted([F_MEMBERS, F_MOVIES]));
    const again = await oidcSignIn('roles', 'sub-returning');
    expect(again.kind === 'allowed' && again.result.User.Id).toBe(userId);
    expectSameDecision(preview, again);
  });

  it('when adoptExistingUsers and the verified e-mail names an unlinked user, then the preview adopts that user', async () => {
    const existing = await directoryOf(t).createUser('ann@example.com');
    const preview = await previewOidc('adopt', 'sub-adopter');
    expect(preview.account).toMatchObject({ action: 'adopt', existingUser: { id: existing.id } });
    expectSameDecision(preview, await oidcSignIn('adopt', 'sub-adopter'));
  });

  it('when the provider is disabled, then it is previewed and the answer says sign-ins are off', async () => {
    const preview = await previewOidc('off', 'sub-member');
    expect(preview).toMatchObject({ providerEnabled: false, allowed: true, enableAuthorization: true });
    const jar = new CookieJar();
    expect((await browserGet(`${t.baseUrl}/sso/OID/start/off`, jar)).status).toBe(403);
  });

  it('when allowedTenants is set, then a claim set of another tenant is refused by the tenant rule', async () => {
    const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    await addOidcProvider({
      client: t.admin,
      path: { provider: 'tenants' },
      body: {
        oidEndpoint: idp.issuer,
        oidClientId: 'jellyfin',
        ...ROLE_RULES,
        allowedTenants: [tenant],
      },
      throwOnError: true,
    });
    const claims = { sub: 's', groups: ['members'] };
    const other = await previewOidcSignIn({
      client: t.admin,
      path: { provider: 'tenants' },
      body: { claims: { ...claims, tid: '00000000-0000-0000-0000-000000000000' } },
    });
    expect(other.data?.refusal).toMatchObject({
      code: 'not_permitted',
      reason: 'tenant_not_allowed',
      rule: 'oidc.tenant_not_allowed',
    });
    const own = await previewOidcSignIn({
      client: t.admin,
      path: { provider: 'tenants' },
      body: { claims: { ...claims, tid: tenant } },
    });
    expect(own.data?.allowed).toBe(true);
  });
});

describe('SAML Preview equals the real sign-in on the same attributes', () => {
  const SAML_CASES: Case[] = [
    samlCase(
      'a member is allowed, named by the username attribute',
      'm.saml@example.com',
      { Role: ['jellyfin-users'], uid: ['mona'] },
      (p) => {
        expect(p).toMatchObject({ allowed: true, subject: 'm.saml@example.com' });
        expect(p.roleSource).toEqual({ kind: 'attribute', name: 'Role', present: true });
        expect(p.account).toMatchObject({ username: 'mona', usernameSource: 'uid' });
        expect(p.access).toMatchObject({ isAdmin: false, enableAllFolders: true, enableLiveTv: true });
      },
    ),
    samlCase(
      'an admin is an administrator; without the username attribute the NameID names them',
      'sam',
      { Role: ['jellyfin-users', 'jellyfin-admins'] },
      (p) => {
        expect(p.access?.isAdmin).toBe(true);
        expect(p.account).toMatchObject({ username: 'sam', usernameSource: 'NameID' });
      },
    ),
    samlCase('a user in no allowed role is refused by the role gate', 'stranger', { Role: ['family'] }, (p) =>
      expect(p.refusal?.summary).toBe('role gate: none of [jellyfin-users] in Role'),
    ),
    samlCase(
      'a user without the role attribute is refused, the attribute missing',
      'norole',
      { uid: ['norole'] },
      (p) => {
        expect(p.roleSource).toEqual({ kind: 'attribute', name: 'Role', present: false });
        expect(p.refusal?.rule).toBe('access.required_role');
      },
    ),
  ];
  expectEachAsSignedIn(SAML_CASES);

  it('when the name is taken and later the user returns, then each preview equals its sign-in', async () => {
    const holder = await directoryOf(t).createUser('sally');
    const attributes = { Role: ['jellyfin-users'], uid: ['sally'] };
    const first = await previewSaml('sally-idp', attributes);
    expect(first.account).toMatchObject({ username: 'sally-2', nameTakenBy: { id: holder.id } });
    const real = await samlSignIn('sally-idp', attributes);
    expectSameDecision(first, real);
    const returning = await previewSaml('sally-idp', attributes);
    expect(returning.account).toMatchObject({ action: 'existing', username: 'sally-2' });
    expectSameDecision(returning, await samlSignIn('sally-idp', attributes));
  });

  it('when there is no NameID, then the refusal is the one an assertion without a NameID gets', async () => {
    const { data } = await previewSamlSignIn({
      client: t.admin,
      path: { provider: 'corp' },
      body: { attributes: { Role: ['jellyfin-users'] } },
    });
    expect(data).toMatchObject({ allowed: false, subject: null });
    expect(data?.refusal).toMatchObject({
      step: 'verify',
      code: 'idp_response_invalid',
      reason: 'saml_response_rejected',
      rule: 'saml.subject_shape',
    });
  });
});

describe('Preview writes nothing', () => {
  /** Every row of every table, except the credential bookkeeping a call through the API may touch. */
  async function snapshot(): Promise<string> {
    const tables = await rawRows(
      t.app.database,
      "select name from sqlite_master where type = 'table' order by name",
    );
    const rows: Record<string, unknown> = {};
    for (const { name } of tables)
      rows[String(name)] = await rawRows(t.app.database, `select * from "${String(name)}"`);
    return JSON.stringify(rows);
  }

  it('when every kind of case is previewed, then no user, link, policy, flow or activity entry changes', async () => {
    await directoryOf(t).createUser('wendy');
    await directoryOf(t).createUser('walt@example.com');
    const before = await snapshot();
    const calls = [
      previewOidcSignIn({
        client: t.admin,
        path: { provider: 'roles' },
        body: { claims: { sub: 'new-1', preferred_username: 'wendy', groups: ['members', 'admins'] } },
      }),
      previewOidcSignIn({
        client: t.admin,
        path: { provider: 'roles' },
        body: { claims: { sub: 'sub-returning', ...ACCOUNTS['sub-returning'] } },
      }),
      previewOidcSignIn({
        client: t.admin,
        path: { provider: 'adopt' },
        body: {
          claims: { sub: 'new-2', email: 'walt@example.com', email_verified: true, groups: ['members'] },
        },
      }),
      previewOidcSignIn({
        client: t.admin,
        path: { provider: 'roles' },
        body: { claims: { sub: 'new-3', groups: ['family'] } },
      }),
      previewSamlSignIn({
        client: t.admin,
        path: { provider: 'corp' },
        body: { nameId: 'new-4', attributes: { Role: ['jellyfin-users'] } },
      }),
    ];
    const answers = await Promise.all(calls);
    expect(answers.map((a) => a.response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.map((a) => a.data?.account?.action ?? null)).toEqual([
      'create',
      'existing',
      'adopt',
      null,
      'create',
    ]);
    expect(await snapshot()).toBe(before);
  });
});

describe('Preview refusals of the request', () => {
  it('when the provider does not exist, then 404 provider_not_found', async () => {
    const oidc = await previewOidcSignIn({
      client: t.admin,
      path: { provider: 'nope' },
      body: { claims: { sub: 'x' } },
    });
    expect(oidc.response.status).toBe(404);
    expect(oidc.error?.code).toBe('provider_not_found');
    const samlAnswer = await previewSamlSignIn({
      client: t.admin,
      path: { provider: 'roles' },
      body: { attributes: {} },
    });
    expect(samlAnswer.response.status).toBe(404);
  });

  it('when the body is ill-typed, then 400 names the field', async () => {
    const noSub = await previewOidcSignIn({
      client: t.admin,
      path: { provider: 'roles' },
      // @ts-expect-error -- `sub` is required; the server must say so.
      body: { claims: { groups: ['members'] } },
    });
    expect(noSub.response.status).toBe(400);
    expect(JSON.stringify(noSub.error?.errors)).toContain('sub');
    const notList = await previewSamlSignIn({
      client: t.admin,
      path: { provider: 'corp' },
      // @ts-expect-error -- attribute values are lists of strings.
      body: { nameId: 'x', attributes: { Role: 'jellyfin-users' } },
    });
    expect(notList.response.status).toBe(400);
    expect(JSON.stringify(notList.error?.errors)).toContain('/body/attributes/Role');
  });

  it('when the caller is anonymous or not an administrator, then 401 and 403', async () => {
    const body = { claims: { sub: 'sub-member', ...ACCOUNTS['sub-member'] } };
    const anonymous = await previewOidcSignIn({ client: t.anonymous, path: { provider: 'roles' }, body });
    expect(anonymous.response.status).toBe(401);
    const { token } = await createUserWithToken(t);
    const user = await previewOidcSignIn({ client: t.clientWith(token), path: { provider: 'roles' }, body });
    expect(user.response.status).toBe(403);
    const samlUser = await previewSamlSignIn({
      client: t.clientWith(token),
      path: { provider: 'corp' },
      body: { nameId: 'x', attributes: {} },
    });
    expect(samlUser.response.status).toBe(403);
  });
});
