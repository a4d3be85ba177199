// Start-up refusals of the service process (src/main.ts), spawned as `npm start` would: each is one clear
// message naming the setting to change, a non-zero exit, and no stack trace unless LOG_LEVEL=debug.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/storage/orm.js';
import { randomSecretKey } from '../support/db.js';

const ENTRY = join(import.meta.dirname, '..', '..', 'src', 'main.ts');
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sso-start-'));
  dirs.push(dir);
  return dir;
}

interface Outcome {
  code: number | null;
  stderr: string;
}

/** Runs the service with only these variables (plus PATH) and waits for it to exit. */
function runService(env: Record<string, string>): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', ENTRY],
      { env: { PATH: process.env['PATH'] ?? '', PORT: '0', ...env }, timeout: 60_000 },
      (error, _stdout, stderr) => {
        resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? null), stderr });
      },
    );
  });
}

function withData(env: Record<string, string> = {}): Record<string, string> {
  const dir = tempDir();
  return { SSO_DATA_DIR: dir, SSO_DATABASE_URL: `sqlite:${join(dir, 'sso.sqlite')}`, ...env };
}

/** A refusal: exit 2, one line naming `variable`, no stack trace. */
function expectRefusal(outcome: Outcome, variable: string, text?: RegExp): void {
  expect(outcome.code, outcome.stderr).toBe(2);
  const lines = outcome.stderr.trim().split('\n');
  expect(lines, outcome.stderr).toHaveLength(1);
  expect(outcome.stderr).toContain(variable);
  if (text !== undefined) expect(outcome.stderr).toMatch(text);
  expect(outcome.stderr).not.toMatch(/^\s+at /m);
}

describe('start-up refusals', () => {
  it('when SSO_SECRET_KEY is malformed, then the configuration check names it', async () => {
    const outcome = await runService(withData({ SSO_SECRET_KEY: 'not-a-key' }));
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain('SSO_SECRET_KEY must be');
    expect(outcome.stderr).not.toMatch(/^\s+at /m);
  });

  it('when SSO_SQLITE_SYNCHRONOUS is neither full nor normal, then it is refused by name on one line', async () => {
    const outcome = await runService(withData({ SSO_SQLITE_SYNCHRONOUS: 'off' }));
    expectRefusal(outcome, 'SSO_SQLITE_SYNCHRONOUS', /must be "full" or "normal" \(got "off"\)/);
  });

  it('when SSO_SECRET_KEY looks like base64 but is not a key (stray bits), then it is refused by name on one line', async () => {
    // 43 base64 characters decode to 32 bytes, but the last one carries bits that no key would produce.
    const outcome = await runService(withData({ SSO_SECRET_KEY: `${'A'.repeat(42)}B` }));
    expectRefusal(outcome, 'SSO_SECRET_KEY', /32 bytes/);
  });

  it('when the key file is corrupt, then the file and both settings are named', async () => {
    const env = withData();
    writeFileSync(join(env['SSO_DATA_DIR']!, 'secret.key'), 'garbage\n');
    const outcome = await runService(env);
    expectRefusal(outcome, 'SSO_DATA_DIR', /secret\.key does not hold a 32-byte key/);
    expect(outcome.stderr).toContain('SSO_SECRET_KEY');
  });

  it('when the key file cannot be read, then that is the message', async () => {
    const env = withData();
    mkdirSync(join(env['SSO_DATA_DIR']!, 'secret.key')); // a directory where the file should be
    expectRefusal(await runService(env), 'SSO_DATA_DIR', /cannot read the key file/);
  });

  it('when the key is not the one the database was sealed with, then it is refused by name', async () => {
    const env = withData();
    const first = await openDatabase({
      url: env['SSO_DATABASE_URL'],
      dataDir: env['SSO_DATA_DIR']!,
      secretKey: randomSecretKey(),
    });
    await first.close();
    const outcome = await runService({ ...env, SSO_SECRET_KEY: randomSecretKey() });
    expectRefusal(outcome, 'SSO_SECRET_KEY', /not the key this database was encrypted with/);
  });

  it('when the database cannot be reached, then SSO_DATABASE_URL is named without its password', async () => {
    const outcome = await runService(
      withData({ SSO_DATABASE_URL: 'postgres://sso:hunter2-secret@127.0.0.1:1/sso' }),
    );
    expectRefusal(outcome, 'SSO_DATABASE_URL', /could not be opened/);
    expect(outcome.stderr).not.toContain('hunter2-secret');
  });

  it('when the postgres URL names no database, then SSO_DATABASE_URL is named', async () => {
    const outcome = await runService(withData({ SSO_DATABASE_URL: 'postgres://sso@127.0.0.1:5432' }));
    expectRefusal(outcome, 'SSO_DATABASE_URL', /must name a database/);
  });

  // The local PostgreSQL of the test run (TEST_PG_URL): reachable, so only the role is wrong.
  const pgUrl = process.env['TEST_PG_URL'];
  (pgUrl === undefined ? it.skip : it)(
    'when the PostgreSQL role does not exist (wrong user or password), then SSO_DATABASE_URL is named without its password',
    async () => {
      const url = new URL(pgUrl ?? 'postgres://localhost/x');
      url.username = 'no_such_role_sso';
      url.password = 'hunter2-secret';
      const outcome = await runService(withData({ SSO_DATABASE_URL: url.toString() }));
      expectRefusal(outcome, 'SSO_DATABASE_URL', /no_such_role_sso/);
      expect(outcome.stderr).not.toContain('hunter2-secret');
    },
  );

  it('when the database host name does not resolve, then SSO_DATABASE_URL and the host are named', async () => {
    const outcome = await runService(
      withData({ SSO_DATABASE_URL: 'postgres://sso:hunter2-secret@no-such-host.invalid:5432/sso' }),
    );
    expectRefusal(outcome, 'SSO_DATABASE_URL', /no-such-host\.invalid/);
    expect(outcome.stderr).not.toContain('hunter2-secret');
  });

  it('when HOST does not resolve, then HOST is named on one line, and LOG_LEVEL=debug adds the stack trace', async () => {
    const env = withData({ HOST: 'no-such-host.invalid' });
    expectRefusal(await runService(env), 'HOST', /no-such-host\.invalid.*does not resolve/);
    const debug = await runService({ ...env, LOG_LEVEL: 'debug' });
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/^\s+at /m);
  });

  describe('when the port is taken', () => {
    let blocker: Server;
    let port = 0;
    afterAll(async () => {
      await new Promise((resolve) => blocker.close(resolve));
    });

    it('then HOST and PORT are named, and LOG_LEVEL=debug adds the stack trace', async () => {
      blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const address = blocker.address();
      port = typeof address === 'object' && address !== null ? address.port : 0;

      const env = withData({ PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
      expectRefusal(await runService(env), 'PORT', /already in use/);

      const debug = await runService({ ...env, LOG_LEVEL: 'debug' });
      expect(debug.code).toBe(2);
      expect(debug.stderr).toContain('(HOST, PORT): the port is already in use');
      expect(debug.stderr).toMatch(/^\s+at /m);
    });
  });
});
