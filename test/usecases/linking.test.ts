// Account links on in-memory ports: a linking flow binds an identity to the user who asked, once; an
// identity linked to someone else is a conflict; a linking token does not sign in; and two first sign-ins
// of one identity make one account.
import { describe, expect, it } from 'vitest';
import type { MediaUser } from '../../src/sso/ports.js';
import { DEVICE, createUseCases, type UseCases } from './harness.js';

/** The whole linking flow for `user`: start (linking), the IdP answers for `subject`, then Link. */
async function link(t: UseCases, user: MediaUser, subject: string) {
  const browser = await t.start('oidc', 'idp', { isLinking: true });
  const verified = await t.callback(browser, subject, { preferred_username: 'someone' });
  expect(verified.isLinking).toBe(true);
  return t.linkAdmin.link({
    protocol: 'oidc',
    providerName: 'idp',
    userId: user.id,
    token: verified.token,
    device: DEVICE,
    cookies: browser.cookies,
  });
}

describe('linking', () => {
  it('when an identity is linked to a user, then it signs in to that user and no account is made', async () => {
    const t = createUseCases();
    await t.addOidcProvider('idp');
    const alice = t.mediaServer.addUser('alice');
    expect(await link(t, alice, 'sub-a')).toBe('linked');
    const result = await t.signIn('idp', 'sub-a', { preferred_username: 'not-alice' });
    expect(result.User.Id).toBe(alice.id);
    expect(t.mediaServer.users()).toHaveLength(1);
  });

  it('when the same user links the same identity again, then it is already linked', async () => {
    const t = createUseCases();
    await t.addOidcProvider('idp');
    const alice = t.mediaServer.addUser('alice');
    await link(t, alice, 'sub-a');
    expect(await link(t, alice, 'sub-a')).toBe('already-linked');
  });

  it('when the identity is linked to another user, then link_conflict and the link stays with the first', async () => {
    const t = createUseCases();
    const provider = await t.addOidcProvider('idp');
    const alice = t.mediaServer.addUser('alice');
    const bob = t.mediaServer.addUser('bob');
    await link(t, alice, 'sub-a');
    await expect(link(t, bob, 'sub-a')).rejects.toMatchObject({ code: 'link_conflict' });
    expect((await t.stores.links.find(provider.id, 'sub-a'))?.userId).toBe(alice.id);
  });

  it('when an identity that signed in on its own is linked to another user, then link_conflict', async () => {
    const t = createUseCases();
    await t.addOidcProvider('idp');
    const own = await t.signIn('idp', 'sub-a', { preferred_username: 'alice' });
    const bob = t.mediaServer.addUser('bob');
    await expect(link(t, bob, 'sub-a')).rejects.toMatchObject({ code: 'link_conflict' });
    expect((await t.signIn('idp', 'sub-a')).User.Id).toBe(own.User.Id);
  });

  it('when a linking token is posted to Auth, or a sign-in token to Link, then flow_purpose_mismatch', async () => {
    const t = createUseCases();
    await t.addOidcProvider('idp');
    const alice = t.mediaServer.addUser('alice');
    const linking = await t.start('oidc', 'idp', { isLinking: true });
    const linkingToken = await t.callback(linking, 'sub-a');
    await expect(t.authenticate(linking, linkingToken)).rejects.toMatchObject({
      code: 'flow_purpose_mismatch',
    });
    const signingIn = await t.start('oidc', 'idp');
    const signInToken = await t.callback(signingIn, 'sub-a');
    await expect(
      t.linkAdmin.link({
        protocol: 'oidc',
        providerName: 'idp',
        userId: alice.id,
        token: signInToken.token,
        device: DEVICE,
        cookies: signingIn.cookies,
      }),
    ).rejects.toMatchObject({ code: 'flow_purpose_mismatch' });
    expect(t.mediaServer.sessions).toEqual([]);
  });

  it('when two first sign-ins of one identity race, then one account is made and both sign in to it', async () => {
    const t = createUseCases();
    await t.addOidcProvider('idp');
    const browsers = await Promise.all([t.start('oidc', 'idp'), t.start('oidc', 'idp')]);
    const tokens = await Promise.all(
      browsers.map((browser) => t.callback(browser, 'sub-new', { preferred_username: 'newcomer' })),
    );
    const results = await Promise.all(browsers.map((browser, i) => t.authenticate(browser, tokens[i]!)));
    expect(new Set(results.map((r) => r.User.Id)).size).toBe(1);
    expect(t.mediaServer.users().map((u) => u.name)).toEqual(['newcomer']);
  });

  it('when a SAML identity signs in, then its account is linked to the NameID and found again by it', async () => {
    const t = createUseCases();
    await t.addSamlProvider('corp', { samlUsernameAttribute: 'uid' });
    const sign = async () => {
      const browser = await t.start('saml', 'corp');
      return t.authenticate(browser, await t.callback(browser, 'nameid-7', { uid: 'carol' }));
    };
    const first = await sign();
    expect(first.User.Name).toBe('carol');
    expect((await sign()).User.Id).toBe(first.User.Id);
    expect(t.mediaServer.users()).toHaveLength(1);
  });
});
