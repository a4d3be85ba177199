// The client as others get it: `npm pack` builds and packs clients/typescript, the tarball is installed
// offline into a scratch ESM project, and Node and TypeScript use it by its package name against a running
// service.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOTSTRAP_KEY, startTestApp, type TestApp } from '../support/app.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLIENT_DIR = join(ROOT, 'clients/typescript');
const TSC = join(ROOT, 'node_modules/.bin/tsc');

/** Runs a command and resolves to its stdout. Asynchronous: the service under test answers from this
 * process. npm_* variables of an enclosing `npm test` are left out so the child npm uses its own folder. */
async function run(command: string, args: string[], cwd: string): Promise<string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_')));
  const { stdout } = await promisify(execFile)(command, args, {
    cwd,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return stdout;
}

const USE_MJS = `
import { addOidcProvider, createSsoClient, getOidcProviderNames, getOidcProviders } from '@jellyfin-sso/client';

const [baseUrl, key] = process.argv.slice(2);
const admin = createSsoClient({ baseUrl, token: key });
const anonymous = createSsoClient({ baseUrl });
const body = { oidEndpoint: 'https://auth.example.com/', oidClientId: 'jellyfin', oidSecret: 's3cret', enabled: true };
const added = await addOidcProvider({ client: admin, path: { provider: 'packaged' }, body });
const names = await getOidcProviderNames({ client: anonymous });
const providers = await getOidcProviders({ client: admin });
const refused = await getOidcProviders({ client: anonymous });
console.log(JSON.stringify({
  addStatus: added.response.status,
  names: names.data,
  clientId: providers.data?.packaged?.oidClientId,
  refused: { status: refused.response.status, code: refused.error?.code },
}));
`;

// ESM only: CommonJS callers reach it through require(esm) (Node.js 20.19+, 22.12+) or import().
const USE_CJS = `
const { createSsoClient, getOidcProviderNames } = require('@jellyfin-sso/client');

getOidcProviderNames({ client: createSsoClient({ baseUrl: process.argv[2] }) }).then(({ data }) =>
  console.log(JSON.stringify(data)),
);
`;

const CHECK_TS = `
import { createSsoClient, getOidcProviderNames, addOidcProvider, type OidcProviderInput } from '@jellyfin-sso/client';

const client = createSsoClient({ baseUrl: 'https://jellyfin.example.com', token: 'key' });
const names: string[] | undefined = (await getOidcProviderNames({ client })).data;
const input: OidcProviderInput = { oidEndpoint: 'https://auth.example.com/', oidClientId: 'jellyfin' };
// @ts-expect-error the provider name is a required path parameter: proves the types are real, not any
await addOidcProvider({ client, body: input });
export { names };
`;

const SCRATCH_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2022', 'DOM'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: false,
  },
  include: ['check.ts'],
};

describe('the client package', () => {
  let tmp: string;
  let tarball: string;
  let project: string;
  let t: TestApp;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'sso-client-pack-'));
    await run('npm', ['pack', '--offline', '--pack-destination', tmp], CLIENT_DIR);
    const packed = readdirSync(tmp).filter((name) => name.endsWith('.tgz'));
    expect(packed).toHaveLength(1);
    tarball = join(tmp, packed[0] ?? '');
    project = join(tmp, 'scratch');
    mkdirSync(project);
    const manifest = { name: 'scratch', version: '1.0.0', private: true, type: 'module' };
    writeFileSync(join(project, 'package.json'), JSON.stringify(manifest));
    await run('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund'], project);
    t = await startTestApp();
  }, 90_000);

  afterAll(async () => {
    await t?.close();
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  });

  it('ships built JavaScript, declarations, README, LICENSE and package.json, and no TypeScript sources', async () => {
    const files = (await run('tar', ['-tzf', tarball], tmp))
      .split('\n')
      .filter((line) => line !== '' && !line.endsWith('/'))
      .map((line) => line.replace(/^package\//, ''));
    expect(files).toEqual(
      expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']),
    );
    expect(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((file) => !['package.json', 'README.md', 'LICENSE'].includes(file))).toEqual(
      files.filter((file) => file.startsWith('dist/')),
    );
  });

  it('is imported by name from an ESM script and calls the service, public and elevated', async () => {
    writeFileSync(join(project, 'use.mjs'), USE_MJS);
    const output = await run('node', ['use.mjs', t.baseUrl, BOOTSTRAP_KEY], project);
    expect(JSON.parse(output)).toEqual({
      addStatus: 200,
      names: ['packaged'],
      clientId: 'jellyfin',
      refused: { status: 401, code: 'unauthenticated' },
    });
  });

  it('is required from a CommonJS script (it sees the provider the ESM script added)', async () => {
    writeFileSync(join(project, 'use.cjs'), USE_CJS);
    const output = await run('node', ['use.cjs', t.baseUrl], project);
    expect(JSON.parse(output)).toEqual(['packaged']);
  });

  it('gives TypeScript its declarations under NodeNext resolution', async () => {
    writeFileSync(join(project, 'check.ts'), CHECK_TS);
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(SCRATCH_TSCONFIG));
    await expect(run(TSC, ['--noEmit', '-p', 'tsconfig.json'], project)).resolves.toBe('');
  });
});
