// SAML sign-in end to end through the service: start → a real IdP built with samlify (in-process) → the
// ACS (a cross-site POST without cookies) → the page → Auth through the generated client. Refusals leave
// no user and no session behind; the role gate holds at the ACS and again at Auth.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addSamlProvider,
  authenticateSaml,
  getOidcProviders,
  getSamlMetadata,
} from '../../clients/typescript/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { freePort } from '../support/ports.js';
import { expectPrivateFailure } from '../support/error-page.js';
import { CookieJar, authBody, browserGet, browserPostForm, pageParams } from '../support/browser.js';
import { genuineAndRogueIdps, type SamlIdp } from '../support/saml-idp.js';

let t: TestApp;
let idp: SamlIdp;
let rogue: SamlIdp;

async function configure(name: string, extra: Record<string, unknown> = {}): Promise<void> {
  const { response, error } = await addSamlProvider({
    client: t.admin,
    path: { provider: name },
    body: {
      samlEndpoint: 'https://idp.example.test/sso',
      samlClientId: 'jellyfin',
      samlCertificate: idp.certificateBase64,
      enabled: true,
      enableAuthorization: true,
      enableAllFolders: true,
      roles: ['jellyfin-users'],
      adminRoles: ['jellyfin-admins'],
      ...extra,
    },
  });
  expect(error).toBeUndefined();
  expect(response.status).toBe(200);
}

async function users(): Promise<string[]> {
  const directory = t.app.mediaServer as unknown as { listUsers(): Promise<{ name: string }[]> };
  return (await directory.listUsers()).map((u) => u.name).sort();
}

/** start → IdP answer (by `signer`) → ACS; the ACS POST carries no cookie, as a cross-site POST would not. */
async function throughAcs(provider: string, roles: string[], signer: SamlIdp = idp, acsProvider = provider) {
  const jar = new CookieJar();
  const start = await browserGet(`${t.baseUrl}/sso/SAML/start/${provider}`, jar);
  expect(start.status).toBe(302);
  const answer = await signer.respond(start.headers.get('location') ?? '', {
    nameId: 'alice@example.com',
    attributes: { Role: roles },
  });
  const page = await browserPostForm(
    `${t.baseUrl}/sso/SAML/post/${acsProvider}`,
    { SAMLResponse: answer.samlResponse, RelayState: answer.relayState ?? '' },
    null,
  );
  return { jar, answer, page };
}

beforeEach(async () => {
  const port = await freePort();
  t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
  ({ idp, rogue } = genuineAndRogueIdps());
  await configure('corp');
});
afterEach(async () => {
  await t.close();
});

describe('SAML sign-in', () => {
  it('when a member signs in, then the ACS page carries a one-time token and Auth returns a working session', async () => {
    const { jar, answer, page } = await throughAcs('corp', ['jellyfin-users', 'jellyfin-admins']);
    expect(answer.request.acsUrl).toBe(`${t.config.publicUrl}/sso/SAML/post/corp`);
    expect(answer.request.issuer).toBe('jellyfin');
    expect(answer.request.destination).toBe('https://idp.example.test/sso');
    expect(page.status).toBe(200);
    const params = pageParams(page.text);
    expect(params).toMatchObject({ mode: 'SAML', provider: 'corp', isLinking: false });
    // The page carries the one-time token, never the assertion (docs/security.md §3).
    expect(page.text).not.toContain(answer.samlResponse.slice(0, 40));

    const { data, response } = await authenticateSaml({
      client: t.anonymous,
      path: { provider: 'corp' },
      body: authBody(params.data),
      headers: { cookie: jar.header() },
    });
    expect(response.status).toBe(200);
    expect(data?.User.Name).toBe('alice@example.com');
    expect(data?.User.Policy?.IsAdministrator).toBe(true);
    expect((await getOidcProviders({ client: t.clientWith(data?.AccessToken ?? '') })).response.status).toBe(
      200,
    );
  });

  it('when Auth comes from another browser, then it is refused (the binding is checked at Auth)', async () => {
    const { page } = await throughAcs('corp', ['jellyfin-users']);
    const result = await authenticateSaml({
      client: t.anonymous,
      path: { provider: 'corp' },
      body: authBody(pageParams(page.text).data),
      headers: { cookie: new CookieJar().header() },
    });
    expect(result.response.status).toBe(401);
    expect(result.error?.code).toBe('browser_mismatch');
    expect(await users()).toEqual([]);
  });

  it('when the same response is posted twice, then the second is refused and no second session is made', async () => {
    const { answer, page } = await throughAcs('corp', ['jellyfin-users']);
    expect(page.status).toBe(200);
    const again = await browserPostForm(
      `${t.baseUrl}/sso/SAML/post/corp`,
      { SAMLResponse: answer.samlResponse, RelayState: answer.relayState ?? '' },
      null,
    );
    expect(again.status).toBe(400);
  });

  it('when the response is signed by another key, then the ACS refuses it and nothing is created', async () => {
    const { page } = await throughAcs('corp', ['jellyfin-users'], rogue);
    expect(page.status).toBe(401);
    expectPrivateFailure(page, t.logs(), {
      reason: 'saml_response_rejected',
      hidden: ['signature'],
      logged: ['saml:signature'],
    });
    expect(await users()).toEqual([]);
  });

  it('when a response for provider A is posted to provider B, then it is refused', async () => {
    await configure('other');
    const { page } = await throughAcs('corp', ['jellyfin-users'], idp, 'other');
    expect(page.status).toBe(400);
    expect(page.text).toContain('another provider');
    expect(await users()).toEqual([]);
  });

  it('when the user has no allowed role, then the ACS denies, naming the rule in the log only', async () => {
    const { page } = await throughAcs('corp', ['strangers']);
    expect(page.status).toBe(403);
    expectPrivateFailure(page, t.logs(), {
      reason: 'not_permitted',
      hidden: ['jellyfin-users'],
      logged: ['jellyfin-users'],
    });
    expect(await users()).toEqual([]);
  });

  it('when the allowed roles change between the ACS and Auth, then Auth denies (the gate holds at Auth)', async () => {
    const { jar, page } = await throughAcs('corp', ['jellyfin-users']);
    await configure('corp', { roles: ['jellyfin-vip'] });
    const result = await authenticateSaml({
      client: t.anonymous,
      path: { provider: 'corp' },
      body: authBody(pageParams(page.text).data),
      headers: { cookie: jar.header() },
    });
    expect(result.response.status).toBe(403);
    expect(result.error?.code).toBe('not_permitted');
    expect(await users()).toEqual([]);
  });

  it('when an admin fetches SP metadata, then it names the entity id and the ACS URL', async () => {
    const { data, response } = await getSamlMetadata({
      client: t.anonymous,
      path: { provider: 'corp' },
      parseAs: 'text',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/samlmetadata\+xml/);
    expect(String(data)).toContain('entityID="jellyfin"');
    expect(String(data)).toContain(`Location="${t.config.publicUrl}/sso/SAML/post/corp"`);
  });

  it('when the provider opts in to adopting users, then SAML still never takes over an existing user', async () => {
    await configure('adopting', { adoptExistingUsers: true });
    const existing = await t.app.mediaServer.createUser('alice@example.com');
    const { jar, page } = await throughAcs('adopting', ['jellyfin-users']);
    const { data, response } = await authenticateSaml({
      client: t.anonymous,
      path: { provider: 'adopting' },
      body: authBody(pageParams(page.text).data),
      headers: { cookie: jar.header() },
    });
    expect(response.status).toBe(200);
    expect(data?.User.Id).not.toBe(existing.id);
    expect(data?.User.Name).toBe('alice@example.com-2');
  });
});
