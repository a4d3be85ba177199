// A TV signs in through SSO beside Jellyfin: the TV speaks Quick Connect to the fake Jellyfin (every request
// and answer validated against Jellyfin's official OpenAPI document), the person authorizes its code at
// /sso/device through the in-process OpenID Provider, and the service authorizes the code with the API key.
// Jellyfin cannot check a code without authorizing it, so wrong, expired and used codes are refused right
// after the sign-in; a refused user authorizes nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Client } from '../../clients/typescript/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { startFakeJellyfin, type FakeJellyfin } from '../support/fake-jellyfin.js';
import { requireJellyfinDocuments } from '../support/jellyfin-openapi.js';
import { jellyfinClient, startOidcIdp, type OidcIdp } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';
import { TV_DEVICE, addGatedOidcProvider, authorizeFromPage, tvAt, typeCodeAndSignIn } from './tv.js';

requireJellyfinDocuments();

for (const version of ['10.10.7', '10.11.11', '12.0.0'] as const) {
  describe(`a TV signed in through SSO beside Jellyfin ${version}`, () => {
    let fake: FakeJellyfin;
    let idp: OidcIdp;
    let t: TestApp;
    let admin: Client;

    beforeEach(async () => {
      const port = await freePort();
      fake = await startFakeJellyfin({ version });
      idp = await startOidcIdp({
        clients: [jellyfinClient(port, 'idp')],
        accounts: {
          'sub-bob': { preferred_username: 'bob', groups: ['users'] },
          'sub-eve': { preferred_username: 'eve', groups: ['strangers'] },
        },
      });
      t = await startTestApp(
        {
          SSO_PUBLIC_URL: `http://127.0.0.1:${port}`,
          SSO_MEDIA_SERVER: 'jellyfin',
          JELLYFIN_URL: fake.url,
          JELLYFIN_API_KEY: fake.apiKey,
        },
        { port },
      );
      admin = t.clientWith(fake.apiKey);
      await addGatedOidcProvider(admin, idp.issuer, ['users']);
    });
    afterEach(async () => {
      expect(fake.violations).toEqual([]);
      await t.close();
      await idp.close();
      await fake.close();
    });

    it('when bob types the TV code and signs in, then Jellyfin authorizes it and the TV is signed in as bob', async () => {
      const tv = tvAt(fake.url);
      const request = await tv.initiate();
      expect((await tv.poll(request.Secret)).Authenticated).toBe(false);
      const { start, page, jar } = await typeCodeAndSignIn(t.baseUrl, request.Code, 'sub-bob');
      expect(start.status).toBe(302);
      const authorized = await authorizeFromPage(t.anonymous, page ?? { text: '' }, jar);
      expect(authorized.response.status).toBe(200);
      expect(authorized.data?.userName).toBe('bob');

      expect((await tv.poll(request.Secret)).Authenticated).toBe(true);
      const session = await tv.authenticate(request.Secret);
      expect(session.status).toBe(200);
      const bob = fake.findUserByName('bob');
      expect((session.body as { User: { Id: string } }).User.Id).toBe(bob?.id);
      expect(fake.tokensOf(bob?.id ?? '').map((token) => token.deviceId)).toContain(TV_DEVICE.DeviceId);
      // The service itself made no session of its own for the browser: only the TV got one.
      expect(fake.tokensOf(bob?.id ?? '')).toHaveLength(1);
    });

    it('when a user the role rules refuse signs in, then nothing is authorized at Jellyfin', async () => {
      const tv = tvAt(fake.url);
      const request = await tv.initiate();
      const { page } = await typeCodeAndSignIn(t.baseUrl, request.Code, 'sub-eve');
      expect(page?.status).toBe(403);
      expect(fake.count('AuthorizeQuickConnect')).toBe(0);
      expect((await tv.poll(request.Secret)).Authenticated).toBe(false);
    });

    it('when the code is wrong, then it is refused right after the sign-in', async () => {
      const request = await tvAt(fake.url).initiate();
      const wrong = String((Number(request.Code) + 1) % 1_000_000).padStart(6, '0');
      const { page, jar } = await typeCodeAndSignIn(t.baseUrl, wrong, 'sub-bob');
      const refused = await authorizeFromPage(t.anonymous, page ?? { text: '' }, jar);
      expect(refused.response.status).toBe(404);
      expect((refused.error as { reason?: string }).reason).toBe('device_code_unknown');
      expect((await tvAt(fake.url).poll(request.Secret)).Authenticated).toBe(false);
    });

    it('when the code has expired at Jellyfin, then it is refused', async () => {
      const request = await tvAt(fake.url).initiate();
      const held = fake.quickConnectRequests.get(request.Secret);
      if (held) held.dateAdded = new Date(Date.now() - 11 * 60_000).toISOString();
      const { page, jar } = await typeCodeAndSignIn(t.baseUrl, request.Code, 'sub-bob');
      const refused = await authorizeFromPage(t.anonymous, page ?? { text: '' }, jar);
      expect((refused.error as { reason?: string }).reason).toBe('device_code_unknown');
    });

    it('when an authorized code is used again, then it is refused as used', async () => {
      const request = await tvAt(fake.url).initiate();
      const first = await typeCodeAndSignIn(t.baseUrl, request.Code, 'sub-bob');
      expect(
        (await authorizeFromPage(t.anonymous, first.page ?? { text: '' }, first.jar)).response.status,
      ).toBe(200);
      const again = await typeCodeAndSignIn(t.baseUrl, request.Code, 'sub-bob');
      const refused = await authorizeFromPage(t.anonymous, again.page ?? { text: '' }, again.jar);
      expect((refused.error as { reason?: string }).reason).toBe('device_code_used');
    });

    it('when a TV calls the Quick Connect paths of the service, then they are not served beside Jellyfin', async () => {
      expect((await tvAt(t.baseUrl).authenticate('x')).status).toBe(404);
    });
  });
}
