// The SAML stack (xml-crypto, xmldom, the saml modules) loads only where it is used: not at the start of
// a service without SAML providers, on the first SAML request, and at start once a SAML provider exists.
// The migration machinery loads only when a migration is pending, and the other dialect's driver never.
// The metrics stack (prom-client) loads only when SSO_METRICS_PORT is set.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addSamlProvider } from '../../clients/typescript/index.js';
import { startTestApp } from '../support/app.js';
import { pemToBase64Der } from '../support/saml-idp.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'sso-lazy-'));

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface LoadedStacks {
  xmlCrypto: boolean;
  xmldom: boolean;
  migrations: boolean;
  postgresql: boolean;
  promClient: boolean;
}

/**
 * Which optional packages a fresh service process on `folder` has loaded (after GET `path`, if given);
 * with `metrics`, the service runs with SSO_METRICS_PORT set.
 */
function loadedStacks(path?: string, folder = dataDir, metrics = false): Promise<LoadedStacks> {
  const args = [
    '--import',
    'tsx',
    'test/support/loaded-stacks.ts',
    ...(metrics ? ['--metrics'] : []),
    folder,
    ...(path === undefined ? [] : [path]),
  ];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: ROOT, timeout: 90_000 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as LoadedStacks); // written by loaded-stacks.ts
    });
  });
}

describe('the SAML stack', () => {
  it('when no SAML provider exists, then start-up does not load it', async () => {
    expect(await loadedStacks()).toMatchObject({ xmlCrypto: false, xmldom: false });
  });

  it('when a SAML endpoint is called, then it is loaded', async () => {
    expect(await loadedStacks('/sso/SAML/GetNames')).toMatchObject({ xmlCrypto: true, xmldom: true });
  });

  it('when a SAML provider exists, then start-up loads it', async () => {
    const t = await startTestApp({}, { dataDir });
    const certificate = pemToBase64Der(readFileSync(join(ROOT, 'test/fixtures/saml/idp-cert.pem'), 'utf8'));
    const { response } = await addSamlProvider({
      client: t.admin,
      path: { provider: 'corp' },
      body: {
        samlEndpoint: 'https://idp.example.test/sso',
        samlClientId: 'jellyfin',
        samlCertificate: certificate,
      },
    });
    expect(response.status).toBe(200);
    await t.stop();
    expect(await loadedStacks()).toMatchObject({ xmlCrypto: true, xmldom: true });
  });
});

describe('the migration machinery and the database drivers', () => {
  const folder = mkdtempSync(join(tmpdir(), 'sso-lazy-migrations-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('when the database is new, then start-up loads the migrations and applies them', async () => {
    expect(await loadedStacks(undefined, folder)).toMatchObject({ migrations: true, postgresql: false });
  });

  it('when the database is current, then start-up loads neither the migrations nor PostgreSQL', async () => {
    expect(await loadedStacks(undefined, folder)).toMatchObject({ migrations: false, postgresql: false });
  });
});

describe('the metrics stack', () => {
  it('when SSO_METRICS_PORT is unset, then start-up and a request do not load prom-client', async () => {
    expect(await loadedStacks('/sso/OID/GetNames')).toMatchObject({ promClient: false });
  });

  it('when SSO_METRICS_PORT is set, then start-up loads prom-client', async () => {
    expect(await loadedStacks(undefined, dataDir, true)).toMatchObject({ promClient: true });
  });
});
