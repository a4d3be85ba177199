// What the logout tests share: the provider they add (role-gated OIDC at the test IdP) and one sign-in
// through the service's browser steps and the generated client.
import { expect } from 'vitest';
import { addOidcProvider, authenticateOidc, type Client } from '../../clients/typescript/index.js';
import type { TestApp } from '../support/app.js';
import { authBody, browserGet, pageParams } from '../support/browser.js';
import { CookieJar, followLogin } from '../support/oidc-idp.js';

/** Adds the provider `test` at the IdP `issuer` (client `jellyfin`, members of `jellyfin-users`). */
export async function addTestProvider(admin: Client, issuer: string): Promise<void> {
  const added = await addOidcProvider({
    client: admin,
    path: { provider: 'test' },
    body: {
      oidEndpoint: issuer,
      oidClientId: 'jellyfin',
      oidSecret: 'jellyfin-secret',
      enabled: true,
      enableAuthorization: true,
      enableAllFolders: true,
      roles: ['jellyfin-users'],
      roleClaim: 'groups',
      oidScopes: ['groups', 'profile'],
    },
  });
  expect(added.response.status).toBe(200);
}

/** A sign-in of `sub` on `deviceId` in a browser whose IdP cookies are `idpJar`: the session's token. */
export async function signIn(
  t: TestApp,
  sub: string,
  deviceId: string,
  idpJar = new CookieJar(),
): Promise<string> {
  const jar = new CookieJar();
  const started = await browserGet(`${t.baseUrl}/sso/OID/start/test`, jar);
  const callbackUrl = await followLogin(started.headers.get('location') ?? '', sub, idpJar);
  const page = await browserGet(callbackUrl, jar);
  const auth = await authenticateOidc({
    client: t.anonymous,
    path: { provider: 'test' },
    body: authBody(pageParams(page.text).data, deviceId),
    headers: { cookie: jar.header() },
  });
  expect(auth.response.status).toBe(200);
  return auth.data?.AccessToken ?? '';
}
