// The plugin import through the CLI on a test app's database: both plugin generations in XML and the JSON
// form, nil fields and empty dictionaries, every field carried over and what was changed or has no
// equivalent reported, broken files and refused providers writing nothing, --dry-run writing nothing, and a
// second run changing nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  getOidcProviderNames,
  getOidcProviders,
  getSamlProviderNames,
  getSamlProviders,
} from '../../clients/typescript/index.js';
import type { ProviderReport } from '../../src/cli/import-plugin.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createUserWithToken } from '../support/users.js';
import { IDP_CERT_PEM, dashed, fileIn, importReport, pluginFixture, runImport } from './fixtures.js';
import { pemToBase64Der } from '../support/saml-idp.js';

let t: TestApp;
let ids: Record<'ALICE_ID' | 'ROOT_ID' | 'SAM_ID', string>;

beforeEach(async () => {
  t = await startTestApp();
  const alice = await createUserWithToken(t, { name: 'alice' });
  const root = await createUserWithToken(t, { name: 'root', admin: true });
  const sam = await createUserWithToken(t, { name: 'sam' });
  ids = { ALICE_ID: dashed(alice.user.id), ROOT_ID: dashed(root.user.id), SAM_ID: dashed(sam.user.id) };
});
afterEach(async () => {
  await t.close();
});

async function names(): Promise<{ oidc: string[]; saml: string[] }> {
  const oidc = await getOidcProviderNames({ client: t.anonymous });
  const saml = await getSamlProviderNames({ client: t.anonymous });
  return { oidc: oidc.data ?? [], saml: saml.data ?? [] };
}

function provider(providers: ProviderReport[], name: string): ProviderReport {
  const found = providers.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no provider ${name} in the report`);
  return found;
}

describe('the 9p4 4.x XML file', () => {
  it('when it is imported, then both providers are created with every field and the links are pending', async () => {
    const report = await importReport(t, fileIn(t, 'SSO-Auth.xml', pluginFixture('SSO-Auth-4x.xml', ids)));
    expect(report).toMatchObject({ format: 'xml', generation: '4.x', dryRun: false, ignored: [] });
    const oidc = provider(report.providers, 'authentik');
    expect(oidc).toMatchObject({ protocol: 'oidc', outcome: 'created', defaulted: ['portOverride'] });
    expect(oidc.callbackUrl).toBe(`${t.config.publicUrl}/sso/OID/redirect/authentik`);
    expect(oidc.noEquivalent.map((field) => field.field)).toEqual(['NewPath']);
    expect(oidc.links).toEqual([
      { name: 'alice', userId: ids.ALICE_ID.replace(/-/g, ''), outcome: 'created', administrator: false },
      { name: 'root', userId: ids.ROOT_ID.replace(/-/g, ''), outcome: 'created', administrator: true },
      {
        name: 'ghost',
        userId: '0f0e0d0c0b0a09080706050403020100',
        outcome: 'user not found',
        administrator: false,
      },
    ]);
    const saml = provider(report.providers, 'corp');
    expect(saml).toMatchObject({ protocol: 'saml', outcome: 'created' });
    // The PEM armour and line breaks are dropped: the service stores base64 DER.
    expect(saml.changed).toEqual([
      { field: 'samlCertificate', from: IDP_CERT_PEM.trim(), to: pemToBase64Der(IDP_CERT_PEM) },
    ]);
    expect(saml.links).toMatchObject([{ name: 'SAM@example.com', outcome: 'created' }]);

    const stored = (await getOidcProviders({ client: t.admin })).data?.['authentik'];
    expect(stored).toMatchObject({
      oidEndpoint: 'https://auth.example.com/application/o/jellyfin',
      oidClientId: 'jellyfin',
      hasOidSecret: true,
      enabled: true,
      enableAuthorization: true,
      enableAllFolders: true,
      adminRoles: ['jellyfin-admins'],
      roles: ['jellyfin-users', 'jellyfin-admins'],
      roleClaim: 'groups',
      oidScopes: ['groups'],
      defaultUsernameClaim: 'preferred_username',
      defaultProvider: 'Jellyfin.Server.Implementations.Users.DefaultAuthenticationProvider',
      schemeOverride: null,
      portOverride: null,
    });
    const corp = (await getSamlProviders({ client: t.admin })).data?.['corp'];
    expect(corp).toMatchObject({ samlEndpoint: 'https://idp.example.test/sso', samlClientId: 'jellyfin' });
  });

  it('when it is imported twice, then the second run changes nothing', async () => {
    const file = fileIn(t, 'SSO-Auth.xml', pluginFixture('SSO-Auth-4x.xml', ids));
    await importReport(t, file);
    const before = await getOidcProviders({ client: t.admin });
    const again = await importReport(t, file);
    expect(again.providers.map((p) => [p.name, p.outcome])).toEqual([
      ['corp', 'unchanged'],
      ['authentik', 'unchanged'],
    ]);
    expect(again.providers.flatMap((p) => p.links.map((link) => link.outcome))).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
      'user not found',
    ]);
    // Unchanged means not saved again: the provider's version is the same.
    expect((await getOidcProviders({ client: t.admin })).data).toEqual(before.data);
  });

  it('when --dry-run is given, then the report is the same and nothing is written', async () => {
    const file = fileIn(t, 'SSO-Auth.xml', pluginFixture('SSO-Auth-4x.xml', ids));
    const run = await runImport(t, file, '--dry-run');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('OIDC provider "authentik": created');
    expect(run.stdout).toContain(
      `register at the IdP: redirect URI ${t.config.publicUrl}/sso/OID/redirect/authentik`,
    );
    expect(run.stdout).toContain('no equivalent: NewPath');
    expect(run.stdout).toContain('root → ');
    expect(run.stdout).toContain(
      'an administrator: dropped at sign-in unless imported with --allow-admin-links',
    );
    expect(run.stdout).toContain('Dry run: nothing was written.');
    expect(await names()).toEqual({ oidc: [], saml: [] });
    const real = await importReport(t, file);
    expect(real.providers.flatMap((p) => p.links.map((link) => link.outcome))).toContain('created');
  });
});

describe('the K0lin 5.x XML file', () => {
  it('when it is imported, then the 5.x fields are carried, normalised values and unknown fields reported', async () => {
    const report = await importReport(t, fileIn(t, 'SSO-Auth.xml', pluginFixture('SSO-Auth-5x.xml')));
    expect(report).toMatchObject({ generation: '5.x', ignored: [] });
    expect(report.providers.map((p) => p.name)).toEqual(['keycloak']);
    const keycloak = provider(report.providers, 'keycloak');
    expect(keycloak.links).toEqual([]);
    expect(keycloak.defaulted).toEqual(['defaultProvider', 'enableContentDownloading']);
    expect(keycloak.noEquivalent.map((field) => field.field)).toEqual(['NewPath', 'LoginButtonColour']);
    expect(Object.fromEntries(keycloak.changed.map((change) => [change.field, change.to]))).toEqual({
      oidEndpoint: 'https://sso.example.com/realms/home',
      enabledFolders: ['f137a2dd21bbc1b99aa6c0f6bf02a805'],
      folderRoleMapping: [{ role: 'kids', folders: ['0c8a6f8e3c9d4b7e8f1a2b3c4d5e6f70'] }],
      oidScopes: ['groups'],
    });
    // The overrides (https, port 443: the scheme's default) apply to the callback URL, as at sign-in.
    expect(keycloak.callbackUrl).toBe('https://localhost/sso/OID/redirect/keycloak');
    const stored = (await getOidcProviders({ client: t.admin })).data?.['keycloak'];
    expect(stored).toMatchObject({
      preserveAdminPermissions: true,
      enableFolderRoles: true,
      enableLiveTvRoles: true,
      liveTvRoles: ['tv'],
      roleClaim: 'resource_access.jellyfin.roles',
      overrideDefaultScopes: false,
      schemeOverride: 'https',
      portOverride: 443,
      avatarUrlFormat: 'https://sso.example.com/avatars/@{sub}.png',
      disablePushedAuthorization: true,
      doNotLoadProfile: true,
      enableContentDownloading: null,
      oidAuthorizationParameters: '{"prompt":"login"}',
      hasOidSecret: true,
    });
    expect(await names()).toEqual({ oidc: ['keycloak'], saml: [] });
  });

  it('when a boolean is not one, then the error names the element and its line, and nothing is written', async () => {
    const run = await runImport(t, fileIn(t, 'SSO-Auth.xml', pluginFixture('SSO-Auth-broken.xml')));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('<EnableLiveTvRoles> (line 26): must be true or false, not "maybe"');
    expect(run.stderr).toContain('nothing was imported');
    expect(await names()).toEqual({ oidc: [], saml: [] });
  });
});

describe('the JSON form', () => {
  it('when it is imported, then it gives what the XML gives, in either letter case of its keys', async () => {
    const json = pluginFixture('configuration-5x.json', ids);
    const report = await importReport(t, fileIn(t, 'configuration.json', json));
    expect(report).toMatchObject({ format: 'json', generation: '5.x' });
    expect(report.providers.map((p) => [p.protocol, p.name, p.outcome])).toEqual([
      ['saml', 'corp', 'created'],
      ['oidc', 'keycloak', 'created'],
    ]);
    expect(provider(report.providers, 'corp').links).toMatchObject([
      { name: 'SAM@example.com', outcome: 'created' },
    ]);
    const corp = (await getSamlProviders({ client: t.admin })).data?.['corp'];
    expect(corp).toMatchObject({
      enableContentDownloading: true,
      applyContentDownloadPermissionOnEveryLogin: true,
    });
    // camelCase keys (as Jellyfin may emit them) read the same: the same settings, so nothing changes.
    const camel = json.replace(
      /"([A-Z])(\w*)":/g,
      (_, first: string, rest: string) => `"${first.toLowerCase()}${rest}":`,
    );
    const again = await importReport(t, fileIn(t, 'camel.json', camel));
    expect(again.providers.map((p) => p.outcome)).toEqual(['unchanged', 'unchanged']);
  });
});

describe('files and providers that cannot be imported', () => {
  const cases: [string, string, string][] = [
    [
      'an unclosed element',
      '<PluginConfiguration><OidConfigs></PluginConfiguration>',
      'is not well-formed XML',
    ],
    [
      'a DOCTYPE',
      '<!DOCTYPE x [<!ENTITY e "e">]><PluginConfiguration><OidConfigs/></PluginConfiguration>',
      'has a DOCTYPE or entity',
    ],
    [
      'another root',
      '<Configuration/>',
      '<Configuration> (line 1): the root element must be <PluginConfiguration>',
    ],
    ['text that is neither XML nor JSON', 'OidConfigs=', 'the file is neither XML nor JSON'],
    [
      'an item without its key',
      '<PluginConfiguration><OidConfigs><item><value/></item></OidConfigs></PluginConfiguration>',
      'OidConfigs <item> (line 1) must hold exactly one <key>',
    ],
    [
      'a JSON list of text that is not one',
      '{"OidConfigs":{"x":{"Roles":"admins"}}}',
      'OidConfigs "x" Roles: must be a list of text',
    ],
  ];
  for (const [what, text, message] of cases) {
    it(`when the file has ${what}, then the error says so and nothing is written`, async () => {
      const run = await runImport(t, fileIn(t, 'SSO-Auth.xml', text));
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(message);
      expect(await names()).toEqual({ oidc: [], saml: [] });
    });
  }

  it('when one provider is refused by the Add checks, then every problem is listed and no provider is written', async () => {
    const json = JSON.stringify({
      OidConfigs: {
        good: { OidEndpoint: 'https://auth.example.com', OidClientId: 'jellyfin' },
        plain: { OidEndpoint: 'http://auth.example.com', OidClientId: 'jellyfin' },
        nameless: { OidEndpoint: 'https://auth.example.com', OidClientId: '' },
      },
    });
    const run = await runImport(t, fileIn(t, 'configuration.json', json));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('OIDC provider "plain": /body/oidEndpoint');
    expect(run.stderr).toContain('OIDC provider "nameless": /body/oidClientId');
    expect(run.stderr).not.toContain('"good"');
    expect(await names()).toEqual({ oidc: [], saml: [] });
  });
});
