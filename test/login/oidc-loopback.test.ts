// Add and the outbound https rule agree: an http endpoint Add accepts is one every IdP request may use.
// The IdP is reached on 127.0.0.2 (any 127.x.y.z is loopback) through a TCP relay to the real OpenID Provider.
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addOidcProvider } from '../../clients/typescript/index.js';
import { startOidcIdp, type OidcIdp, jellyfinClient } from '../support/oidc-idp.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { freePort } from '../support/ports.js';
import { CookieJar, browserGet } from '../support/browser.js';

let idp: OidcIdp;
let relay: Server;
let relayUrl: string;
let t: TestApp;
let port: number;

beforeAll(async () => {
  port = await freePort();
  idp = await startOidcIdp({
    clients: [jellyfinClient(port, 'loop')],
    accounts: { 'sub-bob': { preferred_username: 'bob' } },
  });
  const target = new URL(idp.issuer);
  relay = createServer((socket) => {
    const upstream = createConnection(Number(target.port), target.hostname);
    socket.pipe(upstream).pipe(socket);
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.2', resolve));
  relayUrl = `http://127.0.0.2:${(relay.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => relay.close(resolve));
  await idp.close();
});
beforeEach(async () => {
  t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
});
afterEach(async () => {
  await t.close();
});

describe('OIDC endpoint rule', () => {
  it('when Add accepts an http endpoint on 127.0.0.2, then a login with it starts (the fetch rule agrees)', async () => {
    const added = await addOidcProvider({
      client: t.admin,
      path: { provider: 'loop' },
      body: {
        oidEndpoint: relayUrl,
        oidClientId: 'jellyfin',
        oidSecret: 'jellyfin-secret',
        enabled: true,
        // The IdP names itself by 127.0.0.1; the relay is another origin.
        doNotValidateIssuerName: true,
        doNotValidateEndpoints: true,
      },
    });
    expect(added.response.status).toBe(200);
    const start = await browserGet(`${t.baseUrl}/sso/OID/start/loop`, new CookieJar());
    expect(start.status, start.text.slice(0, 300)).toBe(302);
    expect(start.headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.[12]:\d+\/auth\?/);
  });
});
