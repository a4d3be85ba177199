// OIDC back-channel logout (Back-Channel Logout 1.0 §2.4–2.8) through the generated client: a valid logout
// token ends the sessions SSO made for its subject or sid; hostile ones (another key, another audience, a
// nonce, a replayed jti, no event, neither sub nor sid) are refused with 400 and end nothing.

import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiveOidcBackChannelLogout } from '../../clients/typescript/index.js';
import { jellyfinClient, signRs256, startOidcIdp, type OidcIdp } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { addTestProvider, signIn as signInAs } from './support.js';

const EVENT = { 'http://schemas.openid.net/event/backchannel-logout': {} };

describe('OIDC back-channel logout', () => {
  let idp: OidcIdp;
  let t: TestApp;

  beforeAll(async () => {
    const port = await freePort();
    idp = await startOidcIdp({
      clients: [
        {
          ...jellyfinClient(port, 'test'),
          backchannel_logout_uri: `http://127.0.0.1:${port}/sso/OID/BackChannelLogout/test`,
          backchannel_logout_session_required: true,
        },
      ],
      accounts: {
        'sub-ann': { preferred_username: 'ann', groups: ['jellyfin-users'] },
        'sub-bea': { preferred_username: 'bea', groups: ['jellyfin-users'] },
      },
    });
    t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
    await addTestProvider(t.admin, idp.issuer);
  });
  afterAll(async () => {
    await t.close();
    await idp.close();
  });

  const signIn = (sub: string, deviceId: string) => signInAs(t, sub, deviceId);

  const alive = async (token: string) => (await t.app.mediaServer.resolveToken(token)) !== null;

  /** The claims of a valid logout token for `sub`; a case removes or changes what it tests. */
  function claims(sub: string | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: idp.issuer,
      aud: 'jellyfin',
      iat: now,
      exp: now + 120,
      jti: randomUUID(),
      events: EVENT,
      sub,
      ...extra,
    };
  }
  const signed = (payload: Record<string, unknown>) =>
    signRs256({ alg: 'RS256', typ: 'logout+jwt', kid: 'test-key' }, payload);

  function post(logoutToken: string) {
    return receiveOidcBackChannelLogout({
      client: t.anonymous,
      path: { provider: 'test' },
      body: { logout_token: logoutToken },
    });
  }

  async function refused(logoutToken: string): Promise<void> {
    const answer = await post(logoutToken);
    expect(answer.response.status).toBe(400);
    expect(answer.error).toMatchObject({ code: 'invalid_request', reason: 'logout_token_invalid' });
  }

  it('when a valid logout token names a subject, then its sessions end (and only its), with no-store', async () => {
    const ann = await signIn('sub-ann', 'ann-1');
    const annElsewhere = await signIn('sub-ann', 'ann-2');
    const bea = await signIn('sub-bea', 'bea-1');
    const answer = await post(signed(claims('sub-ann')));
    expect(answer.response.status).toBe(200);
    expect(answer.response.headers.get('cache-control')).toBe('no-store');
    expect([await alive(ann), await alive(annElsewhere), await alive(bea)]).toEqual([false, false, true]);
  });

  it('when the subject never signed in here, then the answer is 200 and nothing ends', async () => {
    const bea = await signIn('sub-bea', 'bea-2');
    expect((await post(signed(claims('sub-nobody')))).response.status).toBe(200);
    expect(await alive(bea)).toBe(true);
  });

  it('when hostile logout tokens arrive, then each is refused with 400 and the session lives on', async () => {
    const ann = await signIn('sub-ann', 'ann-3');
    const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const valid = signed(claims('sub-ann'));
    const [header = '', payload = ''] = valid.split('.');
    await refused(
      `${header}.${payload}.${sign('sha256', Buffer.from(`${header}.${payload}`), foreign).toString('base64url')}`,
    );
    await refused(signed(claims('sub-ann', { aud: 'someone-else' })));
    await refused(signed(claims('sub-ann', { iss: 'https://elsewhere.example' })));
    await refused(signed(claims('sub-ann', { nonce: 'n-0S6_WzA2Mj' })));
    await refused(signed(claims('sub-ann', { events: undefined })));
    await refused(signed(claims('sub-ann', { events: { 'http://schemas.openid.net/event/other': {} } })));
    await refused(signed(claims(undefined)));
    await refused(signed(claims('sub-ann', { iat: Math.floor(Date.now() / 1000) - 3600 })));
    await refused(signed(claims('sub-ann', { jti: undefined })));
    await refused('not-a-jwt');
    expect(await alive(ann)).toBe(true);
  });

  it('when a logout token is replayed, then the second delivery is refused', async () => {
    const token = signed(claims('sub-nobody'));
    expect((await post(token)).response.status).toBe(200);
    await refused(token);
  });

  it('when the token names a sid only, then the sessions of that IdP session end', async () => {
    const ann = await signIn('sub-ann', 'ann-4');
    const rows = await t.app.database.orm.em
      .fork()
      .getConnection()
      .execute<{ sid: string | null }[]>("select sid from sso_session where device_id = 'ann-4'");
    const sid = rows[0]?.sid ?? '';
    expect(sid).not.toBe('');
    expect((await post(signed(claims(undefined, { sid })))).response.status).toBe(200);
    expect(await alive(ann)).toBe(false);
  });
});
