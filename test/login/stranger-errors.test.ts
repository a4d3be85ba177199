// What a refused stranger learns: an error page or problem with the public text of the code, a stable reason
// and the request id, and none of the configured values (SP entity id / audience, ACS URL, IdP entity id,
// discovery URL, required role names) nor which XML check failed. The log keeps the specifics, a 5xx at error
// level with provider, operation and request id; an administrator's own request still gets the specifics.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addOidcProvider, addSamlProvider } from '../../clients/typescript/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { freePort } from '../support/ports.js';
import { CookieJar, browserGet } from '../support/browser.js';
import { expectPrivateFailure, logLinesOf } from '../support/error-page.js';
import {
  assertionOf,
  createSamlIdp,
  edit,
  encodeResponse,
  evilAssertion,
  type ResponseValues,
  type SamlIdp,
} from '../support/saml-idp.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/saml/${name}`, import.meta.url), 'utf8');

const SP_ENTITY = 'urn:example:secret-sp-entity';
const IDP_ENTITY = 'https://idp.example.test';
const OTHER_IDP_ENTITY = 'urn:example:secret-idp-entity';
const ROLE = 'secret-role-gold';

let t: TestApp;
let idp: SamlIdp;
let acsUrl: string;

beforeEach(async () => {
  const port = await freePort();
  t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
  acsUrl = `${t.config.publicUrl}/sso/SAML/post/corp`;
  idp = createSamlIdp({
    entityId: IDP_ENTITY,
    privateKeyPem: fixture('idp-key.pem'),
    certPem: fixture('idp-cert.pem'),
  });
  for (const [name, idpEntityId] of [
    ['corp', IDP_ENTITY],
    ['strict', OTHER_IDP_ENTITY],
  ] as const) {
    const { response } = await addSamlProvider({
      client: t.admin,
      path: { provider: name },
      body: {
        samlEndpoint: 'https://idp.example.test/sso',
        samlClientId: SP_ENTITY,
        samlIdpEntityId: idpEntityId,
        samlCertificate: idp.certificateBase64,
        enabled: true,
        enableAuthorization: true,
        enableAllFolders: true,
        roles: [ROLE],
      },
    });
    expect(response.status).toBe(200);
  }
});
afterEach(async () => {
  await t.close();
});

const MEMBER = { nameId: 'alice@example.com', attributes: { Role: [ROLE] } };

/** start → the IdP's answer (with `overrides`) → `change` → ACS, as a browser (HTML) or as an API caller. */
async function acs(
  options: {
    provider?: string;
    overrides?: Partial<ResponseValues>;
    user?: typeof MEMBER;
    change?: (xml: string) => string;
    accept?: string;
  } = {},
) {
  const provider = options.provider ?? 'corp';
  const start = await browserGet(`${t.baseUrl}/sso/SAML/start/${provider}`, new CookieJar());
  const answer = await idp.respond(
    start.headers.get('location') ?? '',
    options.user ?? MEMBER,
    options.overrides,
  );
  const samlResponse = options.change ? encodeResponse(options.change(answer.xml)) : answer.samlResponse;
  const response = await fetch(`${t.baseUrl}/sso/SAML/post/${provider}`, {
    method: 'POST',
    headers: {
      accept: options.accept ?? 'text/html',
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ SAMLResponse: samlResponse, RelayState: answer.relayState ?? '' }).toString(),
  });
  return { status: response.status, text: await response.text() };
}

const CONFIGURED = [SP_ENTITY, OTHER_IDP_ENTITY, ROLE, '/sso/SAML/post/corp'];

describe('SAML refusals seen by a stranger', () => {
  const cases: [string, Parameters<typeof acs>[0], string, string][] = [
    [
      'the audience is another SP',
      { overrides: { audience: 'urn:example:other-sp' } },
      'saml_response_rejected',
      SP_ENTITY,
    ],
    [
      'the Destination is another URL',
      { overrides: { destination: 'https://elsewhere.test/acs' } },
      'saml_response_rejected',
      acsUrl,
    ],
    [
      'the Recipient is another URL',
      { overrides: { recipient: 'https://elsewhere.test/acs' } },
      'saml_response_rejected',
      'saml:recipient',
    ],
    [
      'the issuer is not the configured IdP',
      { provider: 'strict' },
      'saml_response_rejected',
      OTHER_IDP_ENTITY,
    ],
    [
      'the user has none of the required roles',
      { user: { nameId: 'eve@example.com', attributes: { Role: ['x'] } } },
      'not_permitted',
      ROLE,
    ],
    [
      'an evil assertion is wrapped beside the signed one',
      { change: (xml) => edit(xml, assertionOf(xml), assertionOf(xml) + evilAssertion(xml, 'admin')) },
      'saml_response_rejected',
      'saml:assertion-count',
    ],
  ];
  for (const [what, options, reason, logged] of cases) {
    it(`when ${what}, then the page and the problem show only text, reason and request id; the log has the specifics`, async () => {
      const page = await acs(options);
      expect(page.status).toBeGreaterThanOrEqual(400);
      expect(page.status).toBeLessThan(500);
      // The ACS URL is only known once the app runs: resolve it here.
      const specific = logged === 'ACS_URL' ? acsUrl : logged;
      const view = expectPrivateFailure(page, t.logs(), {
        reason,
        hidden: [...CONFIGURED, acsUrl, 'Assertion', 'signature'],
        logged: [specific],
      });
      // The ACS post carries no cookie: the log still names the flow the refusal concerned.
      const line = logLinesOf(t.logs(), view.requestId).find((entry) => entry['reason'] === reason);
      expect(line).toMatchObject({ provider: expect.any(String), operationId: 'receiveSamlResponse' });
      expect(line?.['flows']).toEqual([expect.stringMatching(/^[0-9a-f]{32}$/)]);

      const problem = await acs({ ...options, accept: 'application/json' });
      const body = JSON.parse(problem.text) as { reason: string; requestId: string; detail: string };
      expect(body.reason).toBe(reason);
      expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
      for (const value of [...CONFIGURED, acsUrl]) expect(problem.text).not.toContain(value);
    });
  }

  it("when an administrator's own request fails, then their problem keeps the specific message", async () => {
    const { response, error } = await addSamlProvider({
      client: t.admin,
      path: { provider: 'corp' },
      body: {
        samlEndpoint: 'https://idp.example.test/sso',
        samlClientId: SP_ENTITY,
        samlCertificate: 'bm9wZQ==',
      },
    });
    expect(response.status).toBe(400);
    expect((error as { detail: string }).detail).toContain('samlCertificate');
  });
});

describe('OIDC refusals seen by a stranger', () => {
  it('when discovery fails, then the page hides the discovery URL and a 5xx is logged at error level', async () => {
    const closed = await freePort();
    const endpoint = `http://127.0.0.1:${closed}/realms/secret-realm`;
    const { response } = await addOidcProvider({
      client: t.admin,
      path: { provider: 'down' },
      body: { oidEndpoint: endpoint, oidClientId: 'jellyfin', enabled: true },
    });
    expect(response.status).toBe(200);
    const page = await browserGet(`${t.baseUrl}/sso/OID/start/down`, new CookieJar());
    expect(page.status).toBe(502);
    const view = expectPrivateFailure(page, t.logs(), {
      reason: 'upstream_unavailable',
      hidden: ['secret-realm', String(closed)],
    });
    const logged = logLinesOf(t.logs(), view.requestId).find(
      (line) => line['code'] === 'upstream_unavailable',
    );
    expect(logged).toMatchObject({
      level: 50,
      provider: 'down',
      operationId: 'startOidcLogin',
      requestId: view.requestId,
    });
  });
});
