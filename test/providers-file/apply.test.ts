// SSO_PROVIDERS_FILE applied by the service at start and again (the SIGHUP path, in process): providers
// created, updated only when something differs (no new version otherwise), left alone or pruned, secrets
// read from files and the environment, and a file with problems refused as a whole, every problem named.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOidcProvider, getOidcProviderNames } from '../../clients/typescript/index.js';
import { ProvidersFileError } from '../../src/providers-file/index.js';
import type { TestApp } from '../support/app.js';
import { appliedEntries, fileWorld, startWithFile, storedProvider, type FileWorld } from './world.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/saml/${name}`, import.meta.url), 'utf8');
const IDP_CERT = fixture('idp-cert.pem');
const SP_KEY = `${fixture('sp-key.pem')}\n${fixture('sp-cert.pem')}`;
const SP_KEY_VARIABLE = 'PROVIDERS_FILE_TEST_SP_KEY';

/** Indents a PEM under a YAML block scalar. */
const block = (text: string) => `|\n${text.trim().replace(/^/gm, '      ')}`;

function twoProviders(roles = 'jellyfin-users'): string {
  return `
oidc:
  authentik:
    oidEndpoint: https://auth.example.com/application/o/jellyfin/
    oidClientId: jellyfin
    oidSecretFile: authentik.secret
    enabled: true
    roles: [${roles}]
saml:
  corp:
    samlEndpoint: https://idp.example.test/sso
    samlClientId: jellyfin
    samlCertificate: ${block(IDP_CERT)}
    samlSpSigningKeyEnv: ${SP_KEY_VARIABLE}
    enabled: true
`;
}

describe('SSO_PROVIDERS_FILE', () => {
  let world: FileWorld;
  let t: TestApp;
  beforeAll(async () => {
    process.env[SP_KEY_VARIABLE] = SP_KEY;
    world = fileWorld();
    world.secret('authentik.secret', 'client-secret-1\n');
    world.write(twoProviders());
    t = await startWithFile(world);
  });
  afterAll(async () => {
    delete process.env[SP_KEY_VARIABLE];
    await t.close();
    world.remove();
  });

  it('when the service starts, then each declared provider is created with its secrets read from their references', async () => {
    const oidc = await storedProvider(t, 'oidc', 'authentik');
    const saml = await storedProvider(t, 'saml', 'corp');
    expect(oidc?.settings).toMatchObject({
      oidClientId: 'jellyfin',
      enabled: true,
      roles: ['jellyfin-users'],
    });
    expect(oidc?.secrets.clientSecret).toBe('client-secret-1'); // from the file, trimmed
    expect(saml?.secrets.spSigningKey).toBe(SP_KEY.trim()); // from the environment
    expect(appliedEntries(t).at(-1)).toMatchObject({
      msg: 'providers file applied: 2 created, 0 updated, 0 unchanged, 0 pruned',
      created: ['oidc/authentik', 'saml/corp'],
    });
    expect(t.logs()).not.toContain('client-secret-1');
  });

  it('when the same file is applied again, then nothing is written: the versions stay', async () => {
    const before = await storedProvider(t, 'oidc', 'authentik');
    await t.app.reloadProvidersFile();
    expect((await storedProvider(t, 'oidc', 'authentik'))?.version).toBe(before?.version);
    expect(appliedEntries(t).at(-1)).toMatchObject({ unchanged: ['oidc/authentik', 'saml/corp'] });
  });

  it('when the service restarts on the same file, then both providers are unchanged', async () => {
    const before = await storedProvider(t, 'saml', 'corp');
    await t.stop();
    t = await startWithFile(world, {}, { dataDir: t.dataDir });
    expect((await storedProvider(t, 'saml', 'corp'))?.version).toBe(before?.version);
    expect(appliedEntries(t).at(-1)).toMatchObject({
      created: [],
      unchanged: ['oidc/authentik', 'saml/corp'],
    });
  });

  it('when a setting changes, then only that provider is updated, with a new version', async () => {
    const [oidc, saml] = [
      await storedProvider(t, 'oidc', 'authentik'),
      await storedProvider(t, 'saml', 'corp'),
    ];
    world.write(twoProviders('jellyfin-users, family'));
    await t.app.reloadProvidersFile();
    const updated = await storedProvider(t, 'oidc', 'authentik');
    expect(updated?.settings).toMatchObject({ roles: ['jellyfin-users', 'family'] });
    expect(updated?.version).not.toBe(oidc?.version);
    expect((await storedProvider(t, 'saml', 'corp'))?.version).toBe(saml?.version);
    expect(appliedEntries(t).at(-1)).toMatchObject({ updated: ['oidc/authentik'], unchanged: ['saml/corp'] });
  });

  it('when only a referenced secret changes, then the provider is updated with the new secret', async () => {
    world.secret('authentik.secret', 'client-secret-2');
    await t.app.reloadProvidersFile();
    expect((await storedProvider(t, 'oidc', 'authentik'))?.secrets.clientSecret).toBe('client-secret-2');
    expect(appliedEntries(t).at(-1)).toMatchObject({ updated: ['oidc/authentik'] });
  });

  it('when a provider is not in the file, then it is left alone unless the file says prune: true', async () => {
    const added = await addOidcProvider({
      client: t.admin,
      path: { provider: 'by-hand' },
      body: { oidEndpoint: 'https://other.example.com', oidClientId: 'x' },
    });
    expect(added.response.status).toBe(200);
    await t.app.reloadProvidersFile();
    expect(await storedProvider(t, 'oidc', 'by-hand')).not.toBeNull();
    expect(appliedEntries(t).at(-1)).toMatchObject({ pruned: [] });

    world.write(`prune: true\n${twoProviders('jellyfin-users, family')}`);
    await t.app.reloadProvidersFile();
    expect(await storedProvider(t, 'oidc', 'by-hand')).toBeNull();
    expect(appliedEntries(t).at(-1)).toMatchObject({
      pruned: ['oidc/by-hand'],
      unchanged: ['oidc/authentik', 'saml/corp'],
    });
    const names = await getOidcProviderNames({ client: t.anonymous });
    expect(names.data).toEqual(['authentik']);
  });

  it('when the file has problems on reload, then they are logged and the running providers stay as they were', async () => {
    const before = await storedProvider(t, 'oidc', 'authentik');
    world.write(
      'oidc:\n  authentik:\n    oidEndpoint: ftp://nowhere\n    oidClientId: jellyfin\nprune: true\n',
    );
    await t.app.reloadProvidersFile();
    expect(await storedProvider(t, 'oidc', 'authentik')).toEqual(before);
    expect(await storedProvider(t, 'saml', 'corp')).not.toBeNull(); // prune: true was not applied either
    expect(t.logs()).toContain(
      `SSO_PROVIDERS_FILE ${world.file}: oidc provider \\"authentik\\": oidEndpoint:`,
    );
    expect(t.logs()).toContain('providers file not applied: the providers stay as they were');
  });
});

describe('a providers file with problems at start', () => {
  const worlds: FileWorld[] = [];
  afterAll(() => worlds.forEach((world) => world.remove()));
  /** Where the last refused file is. */
  let file = '';

  /** Starts on the file; returns the problems the refusal lists. */
  async function refusal(yaml: string, env: Record<string, string> = {}): Promise<string[]> {
    const world = fileWorld();
    worlds.push(world);
    file = world.file;
    world.write(yaml);
    const error: unknown = await startWithFile(world, env).then(
      (t) => t.close().then(() => null),
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ProvidersFileError);
    return (error as ProvidersFileError).problems; // checked just above
  }

  it('when several providers are wrong, then every problem is reported at once, naming file, provider and field', async () => {
    const problems = await refusal(`
oidc:
  plain-http:
    oidEndpoint: http://auth.example.com
    oidClientId: jellyfin
  typos:
    oidEndpoint: https://auth.example.com
    oidClientID: jellyfin
    enabled: maybe
    rolez: [a]
  inline:
    oidEndpoint: https://auth.example.com
    oidClientId: jellyfin
    oidSecret: hunter2-hunter2
  missing-file:
    oidEndpoint: https://auth.example.com
    oidClientId: jellyfin
    oidSecretFile: /nonexistent/secret
  missing-env:
    oidEndpoint: https://auth.example.com
    oidClientId: jellyfin
    oidSecretEnv: PROVIDERS_FILE_TEST_UNSET
  "bad/name":
    oidEndpoint: https://auth.example.com
    oidClientId: jellyfin
saml:
  broken-cert:
    samlEndpoint: https://idp.example.test/sso
    samlClientId: jellyfin
    samlCertificate: not-a-certificate
`);
    const at = (provider: string, protocol = 'oidc') =>
      `SSO_PROVIDERS_FILE ${file}: ${protocol} provider "${provider}": `;
    // Every provider's problems, in the file's order, and nothing else.
    expect(problems).toEqual([
      `${at('plain-http')}oidEndpoint: must be https (set disableHttps to allow a plain-http IdP)`,
      `${at('typos')}rolez: is not a known field`,
      `${at('typos')}enabled: must be boolean`,
      `${at('inline')}oidSecret: a secret is never written in the file: use oidSecretFile (a path) or oidSecretEnv (a variable name)`,
      `${at('missing-file')}oidSecretFile: the secret file /nonexistent/secret cannot be read (ENOENT)`,
      `${at('missing-env')}oidSecretEnv: the environment variable PROVIDERS_FILE_TEST_UNSET is not set`,
      `${at('bad/name')}name: must not contain / \\ ? # or %`,
      `${at('broken-cert', 'saml')}samlCertificate: must be an X.509 certificate as base64 DER or PEM`,
    ]);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('when the file is not valid YAML or not a map of providers, then the refusal says where', async () => {
    expect(await refusal('oidc: [unclosed\n')).toEqual([
      expect.stringMatching(new RegExp(`^SSO_PROVIDERS_FILE ${file}: is not valid YAML: .*\\(line \\d+\\)$`)),
    ]);
    expect(await refusal('oidcs: {}\nprune: sometimes\n')).toEqual([
      `SSO_PROVIDERS_FILE ${file}: oidcs: is not a known key (oidc, saml, prune)`,
      `SSO_PROVIDERS_FILE ${file}: prune: must be true or false`,
    ]);
  });

  it('when the file does not exist, then the service refuses to start and names it', async () => {
    const world = fileWorld();
    worlds.push(world);
    const error = await startWithFile({ ...world, file: `${world.dir}/absent.yaml` }).catch(
      (e: unknown) => e,
    );
    expect(String(error)).toContain(`SSO_PROVIDERS_FILE ${world.dir}/absent.yaml: cannot be read (ENOENT)`);
  });
});
