// Every OpenID Connect guide in docs/providers/ signs users in as it promises: for each guide an in-process
// OpenID Provider behaves like the product (issuer path, signing algorithm, where the roles are, PAR,
// userinfo or not, endpoints on other origins), the guide's provider JSON is added unchanged through the
// generated client (only its documented placeholders filled in), and an administrator, a member and a
// stranger sign in. A guide that drifts from what works fails here, under its own file name.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { addOidcProvider, authenticateOidc, type OidcProviderInput } from '../../clients/typescript/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { CookieJar, authBody, browserGet, pageParams } from '../support/browser.js';
import { followLogin, startOidcIdp, type OidcIdp, type OidcIdpOptions } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';
import {
  GUIDES_DIR,
  GUIDE_PUBLIC_URL,
  providerJson,
  readGuide,
  type Guide,
  type Substitutions,
} from './guide.js';

type Claims = Record<string, unknown>;

/** How one product behaves, and who signs in. */
interface GuideCase {
  file: string;
  /** The heading above the JSON, when the guide's variant is tested (default "Provider JSON"). */
  heading?: string;
  /** The IdP origin written in the guide's JSON. */
  idpOrigin: string;
  /** The value the test uses for `<client id>`, when the guide has that placeholder. */
  clientId?: string;
  /** The product's shape (clients and accounts are added by the test). */
  idp: Omit<OidcIdpOptions, 'clients' | 'accounts'>;
  /** Signs in and is an administrator (absent when the guide maps no admin role). */
  admin?: Claims;
  /** Signs in, not an administrator. */
  member: Claims;
  /** Has none of the required roles: refused. */
  stranger: Claims;
  /** Instructions the imitation relies on, written exactly so in the guide. */
  says: string[];
}

const SECRET = 'guide-test-secret';
const CF_CLIENT_ID = '4f6b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b';
const GOOGLE_CLIENT_ID = '123456789012-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com';
const ZITADEL_ORG = { '231848297847848': 'example.zitadel.cloud' };

const CASES: GuideCase[] = [
  {
    file: 'keycloak.md',
    idpOrigin: 'https://kc.example.com',
    // Keycloak: issuer /realms/<realm>, PAR advertised (required by the client setting the guide turns on),
    // realm roles only in the (JWT) access token, as the default "roles" client scope puts them.
    idp: { issuerPath: '/realms/media', requirePar: true, accessTokenClaims: ['realm_access'] },
    admin: { preferred_username: 'kc-admin', realm_access: { roles: ['jellyfin-users', 'jellyfin-admins'] } },
    member: {
      preferred_username: 'kc-member',
      realm_access: { roles: ['jellyfin-users', 'offline_access'] },
    },
    stranger: { preferred_username: 'kc-stranger', realm_access: { roles: ['offline_access'] } },
    says: ['Pushed authorization request required', '"roleClaim": "realm_access.roles"'],
  },
  {
    file: 'keycloak.md',
    heading: 'Provider JSON, client roles',
    idpOrigin: 'https://kc.example.com',
    // Client roles of the client `jellyfin.web`: the escaped dot must pick that key, not jellyfin → web.
    idp: { issuerPath: '/realms/media', requirePar: true, accessTokenClaims: ['resource_access'] },
    admin: {
      preferred_username: 'kcc-admin',
      resource_access: { 'jellyfin.web': { roles: ['jellyfin-users', 'jellyfin-admins'] } },
    },
    member: {
      preferred_username: 'kcc-member',
      resource_access: { 'jellyfin.web': { roles: ['jellyfin-users'] } },
    },
    stranger: {
      preferred_username: 'kcc-stranger',
      resource_access: { jellyfin: { web: { roles: ['jellyfin-users', 'jellyfin-admins'] } } },
    },
    says: ['"roleClaim": "resource_access.jellyfin\\\\.web.roles"'],
  },
  {
    file: 'authentik.md',
    idpOrigin: 'https://auth.example.com',
    // authentik: issuer /application/o/<slug>/ with its trailing slash, groups via the "profile" scope.
    idp: { issuerPath: '/application/o/jellyfin/', par: false, groupsWithProfile: true },
    admin: { preferred_username: 'ak-admin', groups: ['jellyfin-users', 'jellyfin-admins'] },
    member: { preferred_username: 'ak-member', groups: ['jellyfin-users'] },
    stranger: { preferred_username: 'ak-stranger', groups: ['authentik Admins'] },
    says: ['/application/o/jellyfin/', 'Signing Key'],
  },
  {
    file: 'authelia.md',
    idpOrigin: 'https://auth.example.com',
    // Authelia: PAR required for the client, the registered method enforced, claims only at userinfo.
    idp: { requirePar: true, registeredAuthMethod: 'client_secret_basic', claimsInIdToken: false },
    admin: { preferred_username: 'au-admin', groups: ['jellyfin-users', 'jellyfin-admins'] },
    member: { preferred_username: 'au-member', groups: ['jellyfin-users'] },
    stranger: { preferred_username: 'au-stranger', groups: ['dev'] },
    says: [
      "token_endpoint_auth_method: 'client_secret_basic'",
      'require_pushed_authorization_requests: true',
    ],
  },
  {
    file: 'pocket-id.md',
    idpOrigin: 'https://id.example.com',
    clientId: '0f3c5a1e-7b2d-4c8e-9a6f-1d2e3f4a5b6c',
    // Pocket ID signs with RS256 by default; this instance was rotated to EdDSA (`key-rotate --alg EdDSA`).
    idp: { par: false, signingAlg: 'EdDSA' },
    admin: { preferred_username: 'pid-admin', groups: ['jellyfin-users', 'jellyfin-admins'] },
    member: { preferred_username: 'pid-member', groups: ['jellyfin-users'] },
    stranger: { preferred_username: 'pid-stranger', groups: [] },
    says: ['Allowed User Groups'],
  },
  {
    file: 'kanidm.md',
    idpOrigin: 'https://idm.example.com',
    // Kanidm: issuer /oauth2/openid/<client>/ , ES256 only, HTTP basic client authentication, group SPNs.
    idp: {
      issuerPath: '/oauth2/openid/jellyfin/',
      signingAlg: 'ES256',
      registeredAuthMethod: 'client_secret_basic',
      par: false,
    },
    admin: {
      preferred_username: 'km-admin',
      groups: ['jellyfin_users@idm.example.com', 'jellyfin_admins@idm.example.com'],
    },
    member: {
      preferred_username: 'km-member',
      groups: ['jellyfin_users@idm.example.com', 'idm_all_persons@idm.example.com'],
    },
    stranger: { preferred_username: 'km-stranger', groups: ['idm_all_persons@idm.example.com'] },
    says: ['update-scope-map jellyfin jellyfin_users openid profile groups'],
  },
  {
    file: 'zitadel.md',
    idpOrigin: 'https://zitadel.example.com',
    clientId: '312909075212468632',
    // Zitadel: role keys as the keys of one object, released at userinfo; the app's method enforced.
    idp: { registeredAuthMethod: 'client_secret_basic', claimsInIdToken: false, par: false },
    admin: {
      preferred_username: 'zt-admin',
      'urn:zitadel:iam:org:project:roles': { 'jellyfin-users': ZITADEL_ORG, 'jellyfin-admins': ZITADEL_ORG },
    },
    member: {
      preferred_username: 'zt-member',
      'urn:zitadel:iam:org:project:roles': { 'jellyfin-users': ZITADEL_ORG },
    },
    stranger: {
      preferred_username: 'zt-stranger',
      'urn:zitadel:iam:org:project:roles': { viewer: ZITADEL_ORG },
    },
    says: ['"roleClaim": "urn:zitadel:iam:org:project:roles"', '**Basic**'],
  },
  {
    file: 'google.md',
    idpOrigin: 'https://accounts.google.com',
    clientId: GOOGLE_CLIENT_ID,
    // Google: token, userinfo and keys on other origins than the issuer; no PAR; no groups, `hd` for a domain.
    idp: { par: false, endpointsOnOtherOrigin: ['token_endpoint', 'userinfo_endpoint', 'jwks_uri'] },
    member: { email: 'ana@example.com', email_verified: true, hd: 'example.com' },
    stranger: { email: 'someone@gmail.com', email_verified: true },
    says: ['"doNotValidateEndpoints": true'],
  },
  {
    file: 'cloudflare-access.md',
    idpOrigin: 'https://team.cloudflareaccess.com',
    clientId: CF_CLIENT_ID,
    // Cloudflare Access for SaaS: issuer /cdn-cgi/access/sso/oidc/<client id>, claims in the ID token;
    // imitated without userinfo to show the ID token alone is enough.
    idp: { issuerPath: `/cdn-cgi/access/sso/oidc/${CF_CLIENT_ID}`, par: false, userinfo: false },
    admin: { email: 'ada@example.com', groups: ['jellyfin-users', 'jellyfin-admins'] },
    member: { email: 'max@example.com', groups: ['jellyfin-users'] },
    stranger: { email: 'eve@example.com', groups: ['contractors'] },
    says: ['PKCE'],
  },
];

let t: TestApp;
let port: number;

beforeAll(async () => {
  port = await freePort();
  t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
});
afterAll(async () => {
  await t.close();
});

describe('the provider guide index', () => {
  it('when docs/providers/README.md is read, then it links every OpenID Connect guide tested here', () => {
    const index = readFileSync(`${GUIDES_DIR}README.md`, 'utf8');
    for (const { file } of CASES) expect(index, file).toContain(`](${file})`);
  });
});

for (const c of CASES) {
  describe(`docs/providers/${c.file}${c.heading ? ` (${c.heading})` : ''}`, () => {
    const guide: Guide = readGuide(c.file, c.heading);
    let idp: OidcIdp;
    const people: Record<string, Claims> = {
      'sub-admin': c.admin ?? {},
      'sub-member': c.member,
      'sub-stranger': c.stranger,
    };

    beforeAll(async () => {
      // The client the guide's JSON names (its IdP origin left as written: only the id is needed here).
      const clientId = String(providerJson(guide, substitutions(c.idpOrigin)).oidClientId);
      idp = await startOidcIdp({
        ...c.idp,
        clients: [
          {
            client_id: clientId,
            client_secret: SECRET,
            // The redirect URI exactly as the guide tells the admin to register it.
            redirect_uris: [redirectUriInGuide(guide).replace(GUIDE_PUBLIC_URL, t.baseUrl)],
          },
        ],
        accounts: people,
      });
      const { response, error } = await addOidcProvider({
        client: t.admin,
        path: { provider: guide.name },
        // The service validates the body against the spec: a field the guide got wrong fails with 400.
        body: providerJson(guide, substitutions(new URL(idp.issuer).origin)) as OidcProviderInput,
      });
      expect(error, JSON.stringify(error)).toBeUndefined();
      expect(response.status).toBe(200);
    });
    afterAll(async () => {
      await idp.close();
    });

    function substitutions(idpOrigin: string): Substitutions {
      return {
        idpOrigin: [c.idpOrigin, idpOrigin],
        clientSecret: SECRET,
        ...(c.clientId === undefined ? {} : { clientId: c.clientId }),
      };
    }

    it('when an admin reads it, then it names the redirect URI and the settings the imitation relies on', () => {
      expect(guide.text).toContain(`${GUIDE_PUBLIC_URL}/sso/OID/redirect/${guide.name}`);
      for (const phrase of c.says) expect(guide.text).toContain(phrase);
    });

    it('when a member signs in with the guide JSON, then they are signed in without administrator rights', async () => {
      const { page, user } = await signInAs(guide.name, 'sub-member');
      expect(page.status, page.text.slice(0, 400)).toBe(200);
      expect(user?.Policy?.IsAdministrator).toBe(false);
    });

    if (c.admin !== undefined) {
      it('when someone with the admin role signs in, then they are an administrator', async () => {
        const { page, user } = await signInAs(guide.name, 'sub-admin');
        expect(page.status, page.text.slice(0, 400)).toBe(200);
        expect(user?.Policy?.IsAdministrator).toBe(true);
      });
    }

    it('when someone without the required role signs in, then they are refused and no user is created', async () => {
      const before = await userCount();
      const { page } = await signInAs(guide.name, 'sub-stranger');
      expect(page.status).toBe(403);
      expect(await userCount()).toBe(before);
    });
  });
}

/** The one redirect URI the guide gives for its provider name. */
function redirectUriInGuide(guide: Guide): string {
  const uri = `${GUIDE_PUBLIC_URL}/sso/OID/redirect/${guide.name}`;
  if (!guide.text.includes(uri)) throw new Error(`${guide.file} does not give the redirect URI ${uri}`);
  return uri;
}

/** Start → IdP login as `sub` → the service's page → Auth, when the page is a success. */
async function signInAs(provider: string, sub: string) {
  const jar = new CookieJar();
  const start = await browserGet(`${t.baseUrl}/sso/OID/start/${provider}`, jar);
  expect(start.status, start.text.slice(0, 300)).toBe(302);
  const page = await browserGet(await followLogin(start.headers.get('location') ?? '', sub), jar);
  if (page.status !== 200) return { page, user: undefined };
  const body = authBody(pageParams(page.text).data);
  const auth = await authenticateOidc({
    client: t.anonymous,
    path: { provider },
    body,
    headers: { cookie: jar.header() },
  });
  expect(auth.response.status).toBe(200);
  return { page, user: auth.data?.User };
}

async function userCount(): Promise<number> {
  // The embedded directory's own listing; the generated client has no user list operation.
  const directory = t.app.mediaServer as unknown as { listUsers(): Promise<unknown[]> };
  return (await directory.listUsers()).length;
}
