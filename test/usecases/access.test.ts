// The role gate on in-memory ports: denied at the callback (the flow fails, nothing is made), denied again
// at Auth when a required role went away after the callback, and the last-administrator fallback.
import { describe, expect, it } from 'vitest';
import { SsoError } from '../../src/sso/errors.js';
import { createUseCases } from './harness.js';

describe('denial', () => {
  it('when the roles are refused at the callback, then not_permitted, the flow is failed and no account is touched', async () => {
    const t = createUseCases();
    const provider = await t.addOidcProvider('idp', { roles: ['members'] });
    const browser = await t.start('oidc', 'idp');
    const denied = t.callback(browser, 'sub-guest', { groups: ['guests'] });
    await expect(denied).rejects.toMatchObject({ code: 'not_permitted', flowId: browser.flowId });
    expect(await t.flowStatus(browser)).toBe('failed');
    const again = t.callback(browser, 'sub-guest', { groups: ['members'] });
    await expect(again).rejects.toMatchObject({ code: 'flow_used' });
    expect(t.mediaServer.users()).toEqual([]);
    expect(await t.stores.links.find(provider.id, 'sub-guest')).toBeNull();
  });

  it('when a SAML response carries no allowed role, then it is refused at the ACS and the flow is failed', async () => {
    const t = createUseCases();
    await t.addSamlProvider('corp', { roles: ['staff'] });
    const browser = await t.start('saml', 'corp');
    await expect(t.callback(browser, 'nameid-1', { Role: ['visitor'] })).rejects.toMatchObject({
      code: 'not_permitted',
    });
    expect(await t.flowStatus(browser)).toBe('failed');
  });

  it('when a required role is removed between the callback and Auth, then Auth is refused before any account is made, and the token works once allowed again', async () => {
    const t = createUseCases();
    await t.addOidcProvider('idp', { roles: ['members'] });
    const browser = await t.start('oidc', 'idp');
    const verified = await t.callback(browser, 'sub-alice', {
      preferred_username: 'alice',
      groups: ['members'],
    });
    await t.addOidcProvider('idp', { roles: ['staff'] });
    await expect(t.authenticate(browser, verified)).rejects.toMatchObject({ code: 'not_permitted' });
    expect(t.mediaServer.users()).toEqual([]);
    expect(t.mediaServer.sessions).toEqual([]);
    await t.addOidcProvider('idp', { roles: ['members'] });
    expect((await t.authenticate(browser, verified)).User.Name).toBe('alice');
  });
});

describe('the last administrator', () => {
  const adminProvider = { enableAuthorization: true, adminRoles: ['admins'] };

  it('when the only administrator signs in without an admin role, then they stay administrator, a warning is logged and the login succeeds', async () => {
    const t = createUseCases();
    await t.addOidcProvider('idp', adminProvider);
    const first = await t.signIn('idp', 'sub-root', { preferred_username: 'root', groups: ['admins'] });
    expect(first.User.Policy?.IsAdministrator).toBe(true);

    const second = await t.signIn('idp', 'sub-root', { preferred_username: 'root', groups: ['members'] });
    expect(second.User.Id).toBe(first.User.Id);
    expect(second.User.Policy?.IsAdministrator).toBe(true);
    expect(
      t.mediaServer
        .users()
        .filter((u) => u.policy.IsAdministrator)
        .map((u) => u.name),
    ).toEqual(['root']);
    expect(t.warnings).toContain('kept administrator rights: the media server refused the change');
    expect(t.mediaServer.sessions).toHaveLength(2);
  });

  it('when the fallback keeps administrator rights, then the rest of the decision is still written', async () => {
    const t = createUseCases();
    await t.addOidcProvider('idp', { ...adminProvider, enableAllFolders: false, enabledFolders: ['f1'] });
    await t.signIn('idp', 'sub-root', { groups: ['admins'] });
    await t.addOidcProvider('idp', { ...adminProvider, enableAllFolders: false, enabledFolders: ['f2'] });
    await t.signIn('idp', 'sub-root', { groups: ['members'] });
    const [root] = t.mediaServer.users();
    expect(root?.policy).toMatchObject({
      IsAdministrator: true,
      EnableAllFolders: false,
      EnabledFolders: ['f2'],
    });
  });

  it('when another administrator exists, then an administrator without an admin role is demoted', async () => {
    const t = createUseCases();
    await t.addOidcProvider('idp', adminProvider);
    t.mediaServer.addUser('other-admin', { IsAdministrator: true });
    await t.signIn('idp', 'sub-root', { preferred_username: 'root', groups: ['admins'] });
    const second = await t.signIn('idp', 'sub-root', { preferred_username: 'root', groups: ['members'] });
    expect(second.User.Policy?.IsAdministrator).toBe(false);
    expect(t.warnings).toEqual([]);
  });

  it('when the media server refuses the policy of a user who is not an administrator, then the login fails', async () => {
    const t = createUseCases();
    await t.addOidcProvider('idp', adminProvider);
    const refusal = new SsoError('media_server_refused', 'refused', { step: 'admin' });
    t.mediaServer.failNext('updatePolicy', refusal);
    await expect(t.signIn('idp', 'sub-bob', { groups: ['members'] })).rejects.toBe(refusal);
    expect(t.mediaServer.sessions).toEqual([]);
  });
});
