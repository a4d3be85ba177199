// openDatabase (src/storage/orm.ts): URL parsing, SQLite file settings (WAL, foreign keys, the commit
// durability SSO_SQLITE_SYNCHRONOUS on the service's own connection), restarts on the
// same file, secrets at rest (never in the file in clear), the key file and the wrong-key check; and, on
// every dialect, that the committed migrations produce exactly the schema the entities describe.

import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFlowStore } from '../../src/storage/flow-store.js';
import { openDatabase, parseDatabaseUrl } from '../../src/storage/orm.js';
import { createProviderStore } from '../../src/storage/provider-store.js';
import { SecretKeyError } from '../../src/storage/secret-box.js';
import { startTestApp } from '../support/app.js';
import { dbTargets, describeEachDatabase, randomSecretKey, rawRows } from '../support/db.js';
import { oidcSettings } from './fixtures.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sso-db-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('database URL', () => {
  it('when the URL is sqlite:<path>, then the path is resolved against the working directory', () => {
    expect(parseDatabaseUrl('sqlite:./data/x.sqlite')).toEqual({
      dialect: 'sqlite',
      path: join(process.cwd(), 'data/x.sqlite'),
    });
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ dialect: 'sqlite', path: ':memory:' });
  });

  it('when the URL is postgres:// or postgresql://, then it is used as is', () => {
    expect(parseDatabaseUrl('postgres://u@h:5432/db').dialect).toBe('postgresql');
    expect(parseDatabaseUrl('postgresql://u@h/db').dialect).toBe('postgresql');
  });

  it('when the URL has another scheme, no path or no database, then the error names SSO_DATABASE_URL', () => {
    for (const bad of ['mysql://x/y', 'sqlite:', 'postgres://h', './file.sqlite']) {
      expect(() => parseDatabaseUrl(bad)).toThrow(/SSO_DATABASE_URL/);
    }
  });
});

describe('sqlite file', () => {
  it('when a database is opened in a folder that does not exist, then the folder is created and WAL and foreign keys are on', async () => {
    const dir = tempDir();
    const file = join(dir, 'a', 'b', 'sso.sqlite');
    const db = await openDatabase({ url: `sqlite:${file}`, dataDir: dir, secretKey: randomSecretKey() });
    try {
      expect(existsSync(file)).toBe(true);
      expect(await rawRows(db, 'pragma journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      expect(await rawRows(db, 'pragma foreign_keys')).toEqual([{ foreign_keys: 1 }]);
      expect(await rawRows(db, 'pragma busy_timeout')).toEqual([{ timeout: 5000 }]);
    } finally {
      await db.close();
    }
  });

  // PRAGMA synchronous reads 2 for FULL and 1 for NORMAL (https://sqlite.org/pragma.html#pragma_synchronous).
  it.each([
    ['unset', 2, {}],
    ['full', 2, { SSO_SQLITE_SYNCHRONOUS: 'full' }],
    ['normal', 1, { SSO_SQLITE_SYNCHRONOUS: 'normal' }],
    ['NORMAL', 1, { SSO_SQLITE_SYNCHRONOUS: 'NORMAL' }],
  ])(
    'when SSO_SQLITE_SYNCHRONOUS is %s, then the service commits on its connection with synchronous = %i',
    async (_shown, expected, env: Record<string, string>) => {
      const t = await startTestApp(env);
      try {
        expect((await fetch(`${t.baseUrl}/sso/OID/GetNames`)).status).toBe(200);
        expect(await rawRows(t.app.database, 'pragma synchronous')).toEqual([{ synchronous: expected }]);
        expect(await rawRows(t.app.database, 'pragma journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      } finally {
        await t.close();
      }
    },
  );

  it('when the service restarts on the same file, then the data is there and no migration runs again', async () => {
    const dir = tempDir();
    const url = `sqlite:${join(dir, 'sso.sqlite')}`;
    const secretKey = randomSecretKey();
    const first = await openDatabase({ url, dataDir: dir, secretKey });
    expect(first.migrationsApplied.length).toBeGreaterThan(0);
    await createProviderStore(first).save('oidc', 'keep-me', {
      settings: oidcSettings(),
      secrets: { clientSecret: 's1' },
    });
    await first.close();

    const second = await openDatabase({ url, dataDir: dir, secretKey });
    try {
      expect(second.migrationsApplied).toEqual([]);
      const applied = await rawRows(second, 'select name from mikro_orm_migrations');
      expect(applied).toHaveLength(first.migrationsApplied.length);
      const provider = await createProviderStore(second).get('oidc', 'keep-me');
      expect(provider?.secrets.clientSecret).toBe('s1');
    } finally {
      await second.close();
    }
  });

  it('when secrets are stored, then neither the file nor the raw columns contain them in clear', async () => {
    const dir = tempDir();
    const file = join(dir, 'sso.sqlite');
    const db = await openDatabase({ url: `sqlite:${file}`, dataDir: dir, secretKey: randomSecretKey() });
    const clientSecret = 'CLIENT-SECRET-0123456789-unique-marker';
    const pkceVerifier = 'PKCE-VERIFIER-9876543210-unique-marker';
    const nonce = 'NONCE-VALUE-5555-unique-marker';
    const provider = await createProviderStore(db).save('oidc', 'p', {
      settings: oidcSettings(),
      secrets: { clientSecret, spSigningKey: '-----BEGIN PRIVATE KEY-----SIGNING-KEY-marker' },
    });
    const now = new Date();
    await createFlowStore(db).create({
      id: 'flow-1',
      providerId: provider.id,
      providerName: 'p',
      protocol: 'oidc',
      purpose: 'login',
      stateHash: 'state-hash',
      browserHash: 'browser-hash',
      samlRequestId: null,
      clientKey: '203.0.113.98',
      secrets: { protocol: 'oidc', pkceVerifier, nonce, redirectUri: 'https://sso.example/r' },
      createdAt: now,
      expiresAt: new Date(now.getTime() + 60_000),
    });
    const rawProvider = await rawRows(db, 'select secrets, settings from sso_provider');
    const rawFlow = await rawRows(db, 'select secrets, client_hash from sso_login_flow');
    for (const value of [JSON.stringify(rawProvider), JSON.stringify(rawFlow)]) {
      for (const secret of [clientSecret, pkceVerifier, nonce, 'SIGNING-KEY-marker', '203.0.113.98'])
        expect(value).not.toContain(secret);
    }
    await db.close();
    // The main file and whatever WAL is left: the secrets must be in neither.
    const bytes = Buffer.concat(
      [file, `${file}-wal`].filter((path) => existsSync(path)).map((path) => readFileSync(path)),
    ).toString('latin1');
    expect(bytes).toContain('sso_provider'); // sanity: we are reading the real database
    for (const secret of [clientSecret, pkceVerifier, nonce, 'SIGNING-KEY-marker'])
      expect(bytes).not.toContain(secret);
  });

  it('when a flow was stored before its secrets named their protocol, then it is read with the protocol of its row', async () => {
    const dir = tempDir();
    const db = await openDatabase({
      url: `sqlite:${join(dir, 'sso.sqlite')}`,
      dataDir: dir,
      secretKey: randomSecretKey(),
    });
    const provider = await createProviderStore(db).save('oidc', 'p', {
      settings: oidcSettings(),
      secrets: {},
    });
    const now = new Date();
    const flows = createFlowStore(db);
    await flows.create({
      id: 'flow-old',
      providerId: provider.id,
      providerName: 'p',
      protocol: 'oidc',
      purpose: 'login',
      stateHash: 'old-state-hash',
      browserHash: 'browser-hash',
      samlRequestId: null,
      clientKey: '203.0.113.7',
      secrets: { protocol: 'oidc', pkceVerifier: 'v', nonce: 'n', redirectUri: 'https://sso.example/r' },
      createdAt: now,
      expiresAt: new Date(now.getTime() + 60_000),
    });
    // The secrets exactly as an earlier version sealed them: no `protocol` field.
    const legacy = db.box.seal(
      JSON.stringify({ pkceVerifier: 'v', nonce: 'n', redirectUri: 'https://sso.example/r' }),
      'flow-secrets:flow-old',
    );
    await db.orm.em
      .fork()
      .getConnection()
      .execute('update sso_login_flow set secrets = ? where id = ?', [legacy, 'flow-old']);
    const flow = await flows.findByStateHash('old-state-hash');
    expect(flow?.secrets).toEqual({
      protocol: 'oidc',
      pkceVerifier: 'v',
      nonce: 'n',
      redirectUri: 'https://sso.example/r',
    });
    await db.close();
  });

  it('when no SSO_SECRET_KEY is given, then a 0600 key file is created on first start and reused after a restart', async () => {
    const dir = tempDir();
    const url = `sqlite:${join(dir, 'sso.sqlite')}`;
    const first = await openDatabase({ url, dataDir: dir });
    await createProviderStore(first).save('oidc', 'p', {
      settings: oidcSettings(),
      secrets: { clientSecret: 'kept' },
    });
    await first.close();
    expect(statSync(join(dir, 'secret.key')).mode & 0o777).toBe(0o600);

    const second = await openDatabase({ url, dataDir: dir });
    try {
      expect((await createProviderStore(second).get('oidc', 'p'))?.secrets.clientSecret).toBe('kept');
    } finally {
      await second.close();
    }
  });

  it('when sqlite::memory: is used, then the schema is created and usable', async () => {
    const db = await openDatabase({
      url: 'sqlite::memory:',
      dataDir: tempDir(),
      secretKey: randomSecretKey(),
    });
    try {
      await createProviderStore(db).save('saml', 'm', { settings: oidcSettings(), secrets: {} });
      expect(await createProviderStore(db).list('saml')).toHaveLength(1);
    } finally {
      await db.close();
    }
  });
});

describeEachDatabase('schema and key check', (ctx, target) => {
  it('when four processes open a fresh database at once, then all open and the migrations run exactly once', async () => {
    const blank = await target.blank();
    const secretKey = randomSecretKey();
    try {
      const opened = await Promise.all(
        [1, 2, 3, 4].map(() => openDatabase({ url: blank.url, dataDir: blank.dataDir, secretKey })),
      );
      const counts = opened.map((db) => db.migrationsApplied.length);
      expect(counts.filter((count) => count > 0)).toHaveLength(1);
      const total = counts.reduce((a, b) => a + b, 0);
      expect(await rawRows(opened[0]!, 'select name from mikro_orm_migrations')).toHaveLength(total);
      await Promise.all(opened.map((db) => db.close()));
    } finally {
      await blank.destroy();
    }
  });

  it('when the migrations have run, then the schema equals what the entities describe', async () => {
    expect(await ctx().db.orm.schema.getUpdateSchemaSQL({ wrap: false })).toBe('');
  });

  it('when the database is opened again, then no migration is applied twice', async () => {
    const again = await ctx().reopen();
    expect(again.migrationsApplied).toEqual([]);
    expect(await again.orm.schema.getUpdateSchemaSQL({ wrap: false })).toBe('');
  });

  it('when the database is opened with another key, then opening fails with an error naming SSO_SECRET_KEY', async () => {
    await expect(ctx().reopen({ secretKey: randomSecretKey() })).rejects.toThrow(SecretKeyError);
    await expect(ctx().reopen({ secretKey: randomSecretKey() })).rejects.toThrow(/SSO_SECRET_KEY/);
    await ctx().reopen(); // the right key still works
  });
});

it('when the database targets are listed, then SQLite is always among them', () => {
  expect(dbTargets().map((target) => target.dialect)).toContain('sqlite');
});

describe('the committed migrations', () => {
  it('when a start reads names.ts to see whether one is pending, then it lists index.ts in the same order', async () => {
    const { sqliteMigrations } = await import('../../src/storage/migrations/sqlite/index.js');
    const { sqliteMigrationNames } = await import('../../src/storage/migrations/sqlite/names.js');
    const { postgresqlMigrations } = await import('../../src/storage/migrations/postgresql/index.js');
    const { postgresqlMigrationNames } = await import('../../src/storage/migrations/postgresql/names.js');
    expect(sqliteMigrationNames).toEqual(sqliteMigrations.map((m) => m.name));
    expect(postgresqlMigrationNames).toEqual(postgresqlMigrations.map((m) => m.name));
    expect(sqliteMigrationNames.length).toBeGreaterThan(0);
  });
});
