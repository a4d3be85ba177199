// The sign-in activity log through the whole service: refusals of both protocols (a hostile OpenID Provider,
// a SAML IdP and a rogue one) at start, at the IdP's answer and at Auth, and successes with their user, read
// back with the generated client's `listActivity` (filters, paging). Each entry names the step, the code and
// the admin's message; no entry holds a token, code, state, flow token, cookie or secret; and a broken
// activity table never fails a sign-in.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  addOidcProvider,
  addSamlProvider,
  authenticateOidc,
  authenticateSaml,
  listActivity,
  type ActivityEntry,
  type ListActivityData,
} from '../../clients/typescript/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { CookieJar, authBody, browserGet, browserPostForm, pageParams } from '../support/browser.js';
import { rawRows } from '../support/db.js';
import { errorPageOf, logLinesOf } from '../support/error-page.js';
import { ID_TOKEN_DEFECTS, authorizeAt, startHostileOp, type HostileOp } from '../support/hostile-op.js';
import { freePort } from '../support/ports.js';
import { URN, genuineAndRogueIdps, type ResponseValues, type SamlIdp } from '../support/saml-idp.js';

const CLAIMS = { preferred_username: 'mallory', groups: ['jellyfin-users'] };
const ROLE_GATE = 'Your account has none of the roles this server requires (jellyfin-users).';
/** Every provider of the suite lets in members of `jellyfin-users` only. */
const GATE = { enabled: true, enableAuthorization: true, enableAllFolders: true, roles: ['jellyfin-users'] };

let t: TestApp;
let op: HostileOp;
let idp: SamlIdp;
let rogue: SamlIdp;

async function startService(env: Record<string, string> = {}): Promise<TestApp> {
  const port = await freePort();
  const app = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}`, ...env }, { port });
  const client = { oidEndpoint: op.issuer, oidClientId: op.clientId, oidSecret: op.clientSecret };
  const oidc = await addOidcProvider({
    client: app.admin,
    path: { provider: 'hostile' },
    body: { ...client, ...GATE, roleClaim: 'groups' },
  });
  expect(oidc.response.status).toBe(200);
  for (const [name, enabled] of [
    ['corp', true],
    ['off', false],
  ] as const) {
    const saml = await addSamlProvider({
      client: app.admin,
      path: { provider: name },
      body: {
        samlEndpoint: 'https://idp.example.test/sso',
        samlClientId: 'jellyfin',
        samlCertificate: idp.certificateBase64,
        ...GATE,
        enabled,
      },
    });
    expect(saml.response.status).toBe(200);
  }
  return app;
}

/** The OIDC browser steps up to the callback page. */
async function oidcCallback(): Promise<{ status: number; text: string; jar: CookieJar; callback: URL }> {
  const jar = new CookieJar();
  const start = await browserGet(`${t.baseUrl}/sso/OID/start/hostile`, jar);
  expect(start.status).toBe(302);
  const callback = await authorizeAt(op, start.headers.get('location') ?? '');
  const page = await browserGet(callback, jar);
  return { ...page, jar, callback };
}

/** start → IdP answer (by `signer`) → ACS, posted without cookies as a cross-site POST is. */
async function samlAcs(
  app: TestApp,
  roles: string[],
  options: { signer?: SamlIdp; values?: Partial<ResponseValues> } = {},
) {
  const jar = new CookieJar();
  const start = await browserGet(`${app.baseUrl}/sso/SAML/start/corp`, jar);
  expect(start.status).toBe(302);
  const answer = await (options.signer ?? idp).respond(
    start.headers.get('location') ?? '',
    { nameId: 'alice@example.com', attributes: { Role: roles } },
    options.values,
  );
  const page = await browserPostForm(
    `${app.baseUrl}/sso/SAML/post/corp`,
    { SAMLResponse: answer.samlResponse, RelayState: answer.relayState ?? '' },
    null,
  );
  return { jar, page };
}

/** A member signs in through the ACS and Auth; the Auth call's result. */
async function samlSignIn(app: TestApp) {
  const { jar, page } = await samlAcs(app, ['jellyfin-users']);
  expect(page.status).toBe(200);
  const auth = await authenticateSaml({
    client: app.anonymous,
    path: { provider: 'corp' },
    body: authBody(pageParams(page.text).data),
    headers: { cookie: jar.header() },
  });
  expect(auth.response.status).toBe(200);
  return auth;
}

/** One page of the log, through the generated client as an admin. */
async function activity(query: ListActivityData['query'] = {}, app: TestApp = t) {
  const { data, response } = await listActivity({ client: app.admin, query });
  expect(response.status).toBe(200);
  return data ?? { entries: [], next: null };
}

/** The entry of one request; it is written just after the reply, so it is waited for (bounded). */
async function entryOf(requestId: string, app: TestApp = t): Promise<ActivityEntry> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const found = (await activity({ limit: 200 }, app)).entries.find((e) => e.requestId === requestId);
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no activity entry for request ${requestId}`);
}

/**
 * The refusal the log kept for a request (code, reason, step and the admin's message), which its activity
 * entry must repeat; and the entry itself.
 */
async function expectRecordedAsLogged(requestId: string): Promise<ActivityEntry> {
  const entry = await entryOf(requestId);
  const line = logLinesOf(t.logs(), requestId).find((logged) => typeof logged['code'] === 'string');
  expect(line, `log line of ${requestId}`).toBeDefined();
  expect(entry).toMatchObject({
    code: line?.['code'],
    reason: line?.['reason'],
    step: line?.['step'],
    message: line?.['msg'],
    outcome: 'refused',
  });
  return entry;
}

beforeAll(async () => {
  op = await startHostileOp({ subject: 'sub-mallory', claims: CLAIMS });
  ({ idp, rogue } = genuineAndRogueIdps());
  t = await startService();
});
afterAll(async () => {
  await t.close();
  await op.close();
});
beforeEach(() => {
  op.defect = null;
  op.claims = { ...CLAIMS };
});

describe('sign-in activity: OIDC', () => {
  it('when a user signs in, then the entry is a success at the session step with the user, and no stored column holds a token, code, state, flow token, cookie or secret', async () => {
    const { text, jar, callback } = await oidcCallback();
    const token = pageParams(text).data;
    const auth = await authenticateOidc({
      client: t.anonymous,
      path: { provider: 'hostile' },
      body: authBody(token),
      headers: { cookie: jar.header() },
    });
    expect(auth.response.status).toBe(200);
    const secrets = {
      idToken: op.idTokens.at(-1) ?? '',
      code: callback.searchParams.get('code') ?? '',
      state: callback.searchParams.get('state') ?? '',
      flowToken: token,
      cookie: jar.header().split('=')[1] ?? '',
      clientSecret: op.clientSecret,
      accessToken: auth.data?.AccessToken ?? '',
    };
    const entry = await entryOf(auth.response.headers.get('x-request-id') ?? '');
    const stored = JSON.stringify(await rawRows(t.app.database, 'select * from sso_activity'));
    const listed = JSON.stringify(await activity({ limit: 200 }));
    for (const [name, secret] of Object.entries(secrets)) {
      expect(secret.length, name).toBeGreaterThan(8);
      expect(stored, name).not.toContain(secret);
      expect(listed, name).not.toContain(secret);
    }
    expect(entry).toMatchObject({
      protocol: 'oidc',
      provider: 'hostile',
      step: 'session',
      outcome: 'success',
      code: null,
      reason: null,
      message: 'Signed in as "mallory".',
      rule: null,
      subject: 'sub-mallory',
      username: 'mallory',
      userId: auth.data?.User.Id,
      clientAddress: '127.0.0.1',
      linking: false,
    });
  });

  for (const [defect, check] of [
    ['wrong-aud', 'audience'],
    ['alg-none', 'signature'],
    ['expired', 'expiry'],
  ] as const) {
    it(`when the ID token fails the ${check} check, then the callback's refusal is recorded at verify with the admin's message`, async () => {
      op.defect = defect;
      const page = await oidcCallback();
      expect(page.status).toBe(401);
      const { requestId, reason } = errorPageOf(page.text);
      const entry = await expectRecordedAsLogged(requestId);
      expect(entry).toMatchObject({
        provider: 'hostile',
        step: 'verify',
        code: 'idp_response_invalid',
        reason,
        subject: null,
        userId: null,
      });
      expect(entry.message).toContain(`failed the ${check} check`);
      // The page the user saw shows the short reason only, never the admin's message.
      expect(page.text).not.toContain(entry.message);
    });
  }

  it('when the OP sends each hostile ID token, then every refusal is recorded with the code, step and message the log has', async () => {
    for (const defect of ID_TOKEN_DEFECTS) {
      op.defect = defect;
      const page = await oidcCallback();
      expect(page.status, defect).toBeGreaterThanOrEqual(400);
      const entry = await expectRecordedAsLogged(errorPageOf(page.text).requestId);
      expect(entry.provider).toBe('hostile');
      expect(entry.userId).toBeNull();
    }
  });

  it('when the user has none of the required roles, then the refusal is recorded at authorize with whom it refused', async () => {
    op.claims = { ...CLAIMS, groups: ['strangers'] };
    const page = await oidcCallback();
    expect(page.status).toBe(403);
    const entry = await entryOf(errorPageOf(page.text).requestId);
    expect(entry).toMatchObject({
      step: 'authorize',
      outcome: 'refused',
      code: 'not_permitted',
      subject: 'sub-mallory',
      username: 'mallory',
    });
    expect(entry.message).toContain(ROLE_GATE);
  });

  it('when the IdP answers access_denied, then the refusal is recorded with the IdP error', async () => {
    const jar = new CookieJar();
    const start = await browserGet(`${t.baseUrl}/sso/OID/start/hostile`, jar);
    const state = new URL(start.headers.get('location') ?? '').searchParams.get('state') ?? '';
    const page = await browserGet(
      `${t.baseUrl}/sso/OID/redirect/hostile?error=access_denied&state=${encodeURIComponent(state)}`,
      jar,
    );
    expect(page.status).toBeGreaterThanOrEqual(400);
    const entry = await entryOf(errorPageOf(page.text).requestId);
    expect(entry).toMatchObject({ code: 'idp_error', reason: 'idp_access_denied', outcome: 'refused' });
    expect(JSON.stringify(entry)).not.toContain(state);
  });

  it('when Auth comes from another browser or twice, then each refusal is recorded (browser_mismatch, flow_used)', async () => {
    const { text, jar } = await oidcCallback();
    const body = authBody(pageParams(text).data);
    const stranger = await authenticateOidc({
      client: t.anonymous,
      path: { provider: 'hostile' },
      body,
      headers: { cookie: new CookieJar().header() },
    });
    expect(stranger.error?.code).toBe('browser_mismatch');
    expect(await entryOf(stranger.error?.requestId ?? '')).toMatchObject({
      code: 'browser_mismatch',
      outcome: 'refused',
      provider: 'hostile',
    });
    const first = await authenticateOidc({
      client: t.anonymous,
      path: { provider: 'hostile' },
      body,
      headers: { cookie: jar.header() },
    });
    expect(first.response.status).toBe(200);
    const again = await authenticateOidc({
      client: t.anonymous,
      path: { provider: 'hostile' },
      body,
      headers: { cookie: jar.header() },
    });
    expect(again.error?.code).toBe('flow_used');
    expect(await entryOf(again.error?.requestId ?? '')).toMatchObject({
      code: 'flow_used',
      outcome: 'refused',
    });
  });

  it('when a sign-in starts at an unknown or a switched-off provider, then the refusal is recorded at start', async () => {
    const unknown = await browserGet(`${t.baseUrl}/sso/OID/start/nope?isLinking=true`, new CookieJar());
    expect(await entryOf(errorPageOf(unknown.text).requestId)).toMatchObject({
      protocol: 'oidc',
      provider: 'nope',
      step: 'start',
      code: 'provider_not_found',
      linking: true,
    });
    const off = await browserGet(`${t.baseUrl}/sso/SAML/start/off`, new CookieJar());
    const entry = await entryOf(errorPageOf(off.text).requestId);
    expect(entry).toMatchObject({ protocol: 'saml', step: 'start', code: 'provider_disabled' });
    expect(entry.message).toContain('switched off');
  });
});

describe('sign-in activity: SAML', () => {
  it('when a response is signed by another key, misaddressed, for another audience, expired, answers another request or reports a failure, then each ACS refusal is recorded as the log has it', async () => {
    const past = new Date(Date.now() - 3_600_000).toISOString();
    const cases: [Parameters<typeof samlAcs>[2], RegExp][] = [
      [{ signer: rogue }, /signature/i],
      [{ values: { destination: 'https://evil.test/acs' } }, /Destination/],
      [{ values: { audience: 'urn:someone-else' } }, /meant for "urn:someone-else"/],
      [{ values: { recipient: 'https://evil.test/acs' } }, /evil\.test/],
      [{ values: { subjectNotOnOrAfter: past, conditionsNotOnOrAfter: past } }, /./],
      [
        { values: { responseInResponseTo: '_another-request', subjectInResponseTo: '_another-request' } },
        /./,
      ],
      [{ values: { statusCode: URN.responder } }, /./],
    ];
    for (const [options, message] of cases) {
      const { page } = await samlAcs(t, ['jellyfin-users'], options);
      expect(page.status).toBeGreaterThanOrEqual(400);
      const entry = await expectRecordedAsLogged(errorPageOf(page.text).requestId);
      expect(entry).toMatchObject({ protocol: 'saml', provider: 'corp' });
      expect(entry.message).toMatch(message);
    }
  });

  it('when the user lacks the role at the ACS, then the refusal names the NameID; a member signs in and the success names the user', async () => {
    const refused = await samlAcs(t, ['strangers']);
    expect(refused.page.status).toBe(403);
    expect(await entryOf(errorPageOf(refused.page.text).requestId)).toMatchObject({
      step: 'authorize',
      code: 'not_permitted',
      subject: 'alice@example.com',
    });

    const auth = await samlSignIn(t);
    expect(await entryOf(auth.response.headers.get('x-request-id') ?? '')).toMatchObject({
      protocol: 'saml',
      outcome: 'success',
      step: 'session',
      username: 'alice@example.com',
      userId: auth.data?.User.Id,
      subject: 'alice@example.com',
    });
  });
});

describe('sign-in activity: reading the log', () => {
  it('when filtered by provider, outcome, user and since, then only matching entries are listed, newest first', async () => {
    const all = (await activity({ limit: 200 })).entries;
    expect(all.length).toBeGreaterThan(5);
    expect(all.map((e) => e.id)).toEqual(
      all
        .map((e) => e.id)
        .sort()
        .reverse(),
    );

    const saml = (await activity({ provider: 'corp', limit: 200 })).entries;
    expect(saml.length).toBeGreaterThan(0);
    expect(saml.every((e) => e.provider === 'corp')).toBe(true);
    const successes = (await activity({ outcome: 'success', limit: 200 })).entries;
    expect(successes.length).toBeGreaterThanOrEqual(2);
    expect(successes.every((e) => e.outcome === 'success' && e.userId !== null)).toBe(true);
    const mallory = (await activity({ user: 'mallory', limit: 200 })).entries;
    expect(mallory.length).toBeGreaterThan(0);
    expect(mallory.every((e) => e.username === 'mallory')).toBe(true);
    const byId = (await activity({ user: successes[0]?.userId ?? '', limit: 200 })).entries;
    expect(byId.map((e) => e.userId)).toContain(successes[0]?.userId);
    expect((await activity({ since: new Date(Date.now() + 60_000).toISOString() })).entries).toEqual([]);
  });

  it('when the log is read two entries at a time, then the pages join to the whole log, each entry once', async () => {
    const whole = (await activity({ limit: 200 })).entries.map((e) => e.id);
    const paged: string[] = [];
    let before: string | undefined;
    do {
      const page = await activity({ limit: 2, ...(before === undefined ? {} : { before }) });
      expect(page.entries.length).toBeLessThanOrEqual(2);
      paged.push(...page.entries.map((e) => e.id));
      before = page.next ?? undefined;
    } while (before !== undefined);
    expect(paged).toEqual(whole);
  });

  it('when the query is out of range or the caller is not elevated, then it is refused', async () => {
    for (const query of [{ limit: 0 }, { limit: 201 }, { before: 'zzz' }, { since: 'yesterday' }]) {
      const { response, error } = await listActivity({ client: t.admin, query });
      expect(response.status, JSON.stringify(query)).toBe(400);
      expect(error?.code).toBe('invalid_request');
    }
    expect((await listActivity({ client: t.anonymous })).response.status).toBe(401);
  });
});

describe('sign-in activity: a broken log, and retention', () => {
  it('when the activity table is gone, then a sign-in still succeeds and the failed write is logged', async () => {
    const broken = await startService();
    try {
      await rawRows(broken.app.database, 'drop table sso_activity');
      await samlSignIn(broken);
      await expect
        .poll(() => broken.logs().includes('could not record sign-in activity'), { timeout: 2000 })
        .toBe(true);
      expect((await listActivity({ client: broken.admin })).response.status).toBe(500);
    } finally {
      await broken.close();
    }
  });

  it('when SSO_ACTIVITY_RETENTION_DAYS is 0, then nothing is recorded', async () => {
    const keepNothing = await startService({ SSO_ACTIVITY_RETENTION_DAYS: '0' });
    try {
      const refused = await samlAcs(keepNothing, ['strangers']);
      expect(refused.page.status).toBe(403);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await activity({}, keepNothing)).entries).toEqual([]);
    } finally {
      await keepNothing.close();
    }
  });
});
