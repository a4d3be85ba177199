// The admin CLI (src/cli/main.ts): commands against a real SQLite file, run in-process through runCli,
// plus one real process to check the entry point and its exit codes.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLibrarySpec, runCli } from '../../src/cli/main.js';
import { createEmbeddedDirectory } from '../../src/media-server/embedded/directory.js';
import { openDatabase } from '../../src/storage/orm.js';

describe('admin CLI', () => {
  let dir: string;
  let env: Record<string, string>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sso-cli-'));
    env = { SSO_DATABASE_URL: `sqlite:${join(dir, 'data', 'sso.sqlite')}`, SSO_DATA_DIR: join(dir, 'data') };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function cli(...argv: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
    return { code, stdout, stderr };
  }

  it('when run with --help or nothing, then it prints the commands and exits 0', async () => {
    for (const argv of [['--help'], [], ['-h']]) {
      const result = await cli(...argv);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('api-key create <name>');
      expect(result.stdout).toContain('SSO_DATABASE_URL');
    }
  });

  it('when the command or its arguments are wrong, then it explains and exits 2', async () => {
    for (const argv of [
      ['bogus'],
      ['api-key'],
      ['api-key', 'create'],
      ['api-key', 'list', 'extra'],
      ['users', 'list', '--force'],
      ['libraries', 'set'],
    ]) {
      const result = await cli(...argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^error: /);
    }
  });

  it('when a group has no command, then it lists its commands; --help after a command or group shows only theirs', async () => {
    const group = await cli('api-key');
    expect(group.code).toBe(2);
    expect(group.stderr).toContain('"api-key" needs a command:');
    for (const action of ['create <name>', 'list', 'revoke <id or name>']) {
      expect(group.stderr).toContain(`api-key ${action}`);
    }
    expect(group.stderr).not.toContain('libraries');
    const one = await cli('api-key', 'revoke', '--help');
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('Usage: npm run cli -- api-key revoke [options]');
    expect(one.stdout).toContain('api-key revoke <id or name>');
    expect(one.stdout).not.toContain('api-key create');
    const libraries = await cli('libraries', '-h');
    expect(libraries.stdout).toContain('libraries set <spec>...');
    expect(libraries.stdout).not.toContain('api-key');
  });

  it('when a key is revoked by its name, then that key stops working; a name two active keys share is refused', async () => {
    const made = await cli('api-key', 'create', 'tv-box');
    expect(made.code).toBe(0);
    const byName = await cli('api-key', 'revoke', 'tv-box');
    expect(byName.code).toBe(0);
    expect(byName.stdout).toMatch(/^revoked API key "tv-box" \(id [0-9a-f]{32}\)\n$/);
    expect((await cli('api-key', 'revoke', 'tv-box')).stderr).toContain(
      'no active API key with id or name "tv-box"',
    );
    await cli('api-key', 'create', 'twin');
    await cli('api-key', 'create', 'twin');
    const shared = await cli('api-key', 'revoke', 'twin');
    expect(shared.code).toBe(1);
    expect(shared.stderr).toContain('2 active API keys are named "twin"');
    const keys = JSON.parse((await cli('api-key', 'list', '--json')).stdout) as {
      name: string;
      revokedAt: string | null;
    }[];
    expect(keys.filter((k) => k.name === 'twin' && k.revokedAt === null)).toHaveLength(2);
  });

  it('when an API key is created, then it is printed once, works, is listed without its value, and can be revoked', async () => {
    const created = await cli('api-key', 'create', 'home assistant');
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(created.stderr).toContain('only this once');

    const listed = await cli('api-key', 'list', '--json');
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain(key);
    const keys = JSON.parse(listed.stdout) as { id: string; name: string; revokedAt: string | null }[];
    const entry = keys.find((k) => k.name === 'home assistant');
    expect(entry?.revokedAt).toBeNull();

    const db = await openDatabase({ url: env.SSO_DATABASE_URL, dataDir: env.SSO_DATA_DIR! });
    try {
      expect(await createEmbeddedDirectory({ orm: db.orm }).resolveToken(key)).toMatchObject({
        kind: 'apiKey',
        name: 'home assistant',
      });
    } finally {
      await db.close();
    }

    expect((await cli('api-key', 'revoke', entry!.id)).code).toBe(0);
    const again = await cli('api-key', 'revoke', entry!.id);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('no active API key');
    expect((await cli('api-key', 'list')).stdout).toMatch(/home assistant\s+\S+\s+\d{4}-/);
  });

  it('when libraries are set, then they are listed in order with their ids and types', async () => {
    const set = await cli(
      'libraries',
      'set',
      'f0000000000000000000000000000001=Movies:movies',
      'Home Videos',
      'Shows:tvshows',
    );
    expect(set.code).toBe(0);
    const listed = JSON.parse((await cli('libraries', 'list', '--json')).stdout) as {
      Id: string;
      Name: string;
      CollectionType: string | null;
    }[];
    expect(listed.map((l) => [l.Name, l.CollectionType])).toEqual([
      ['Movies', 'movies'],
      ['Home Videos', null],
      ['Shows', 'tvshows'],
    ]);
    expect(listed[0]?.Id).toBe('f0000000000000000000000000000001');
    expect(listed[1]?.Id).toBe(parseLibrarySpec('Home Videos').Id);
  });

  it('when a library id is not a GUID, then it is refused with exit 2 and the list is unchanged', async () => {
    const before = (await cli('libraries', 'list', '--json')).stdout;
    const result = await cli('libraries', 'set', 'movies=Movies');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('32 hex');
    expect((await cli('libraries', 'list', '--json')).stdout).toBe(before);
  });

  it('when users are listed, then the embedded users are shown with their admin and disabled flags', async () => {
    const db = await openDatabase({ url: env.SSO_DATABASE_URL, dataDir: env.SSO_DATA_DIR! });
    try {
      await createEmbeddedDirectory({ orm: db.orm }).createUser('cli-user');
    } finally {
      await db.close();
    }
    const result = await cli('users', 'list');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ID\s+NAME\s+ADMIN\s+DISABLED/);
    expect(result.stdout).toMatch(/[0-9a-f]{32}\s+cli-user\s+no\s+no/);
  });

  it('when SSO_SECRET_KEY is malformed, then the CLI fails with exit 1 and names the variable', async () => {
    let stderr = '';
    const code = await runCli(['users', 'list'], {
      stdout: () => undefined,
      stderr: (t) => (stderr += t),
      env: { ...env, SSO_SECRET_KEY: 'nope' },
    });
    expect(code).toBe(1);
    expect(stderr).toContain('SSO_SECRET_KEY');
  });

  it('when run as a process, then --help exits 0 and an unknown command exits 2', async () => {
    const run = promisify(execFile);
    const entry = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
    const help = await run(process.execPath, ['--import', 'tsx', entry, '--help'], {
      env: { ...process.env, ...env },
    });
    expect(help.stdout).toContain('Usage: npm run cli');
    const failed = await run(process.execPath, ['--import', 'tsx', entry, 'nope'], {
      env: { ...process.env, ...env },
    }).catch((error: { code: number; stderr: string }) => error);
    expect((failed as { code: number }).code).toBe(2);
    expect((failed as { stderr: string }).stderr).toContain('unknown command');
  });
});
