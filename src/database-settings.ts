// The two settings every entry point needs before it opens the database, SSO_DATABASE_URL and SSO_SECRET_KEY,
// with the one parser of each: the configuration check, the database and the CLI all use these.
import { resolve } from 'node:path';

export const DEFAULT_DATABASE_URL = 'sqlite:./data/sso.sqlite';
/** Where the key file (and, by default, the SQLite file) lives. */
export const DEFAULT_DATA_DIR = './data';

export type DatabaseTarget = { dialect: 'sqlite'; path: string } | { dialect: 'postgresql'; url: string };

/**
 * SSO_SQLITE_SYNCHRONOUS: when a SQLite commit reaches the disk (`PRAGMA synchronous`, README
 * "Configuration"). `full` (the default) syncs the WAL on every commit; `normal` only at checkpoints, so
 * the last commits may roll back after a power loss or an OS crash (never a corrupt file).
 */
export type SqliteSynchronous = 'full' | 'normal';
export const SQLITE_SYNCHRONOUS_VALUES: readonly SqliteSynchronous[] = ['full', 'normal'];

/** Thrown for a malformed SSO_DATABASE_URL; the message starts with the variable's name. */
export class DatabaseUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUrlError';
  }
}

/**
 * `sqlite:<path>` (resolved against the working directory), `sqlite::memory:`, or `postgres(ql)://…/db`.
 * The messages never repeat the URL: it may hold a password.
 */
export function parseDatabaseUrl(url: string = DEFAULT_DATABASE_URL): DatabaseTarget {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === '') {
      throw new DatabaseUrlError(
        'SSO_DATABASE_URL must give a file path after sqlite:, e.g. sqlite:./data/sso.sqlite',
      );
    }
    return { dialect: 'sqlite', path: path === ':memory:' ? path : resolve(path) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    let pathname: string;
    try {
      pathname = new URL(url).pathname;
    } catch {
      throw new DatabaseUrlError('SSO_DATABASE_URL must be a valid postgres://user@host:port/db URL');
    }
    if (pathname.length <= 1) {
      throw new DatabaseUrlError('SSO_DATABASE_URL must name a database: postgres://user@host:port/db');
    }
    return { dialect: 'postgresql', url };
  }
  throw new DatabaseUrlError(
    'SSO_DATABASE_URL must start with sqlite: or postgres:// (got an unknown scheme)',
  );
}

const KEY_BYTES = 32;

/** The problem with a malformed SSO_SECRET_KEY, as the configuration check and the key loader report it. */
export const SECRET_KEY_PROBLEM =
  'SSO_SECRET_KEY must be 32 bytes written as 64 hex characters or as base64 ' +
  '(generate one with `openssl rand -hex 32`)';

/** Parses a key given as 64 hex chars or base64/base64url of exactly 32 bytes; null when it is neither. */
export function parseSecretKey(text: string): Buffer | null {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  // 32 bytes are 43 base64 characters plus one '=' of padding; accept base64url too, and only input that
  // round-trips (Buffer's decoder silently ignores junk and stray bits).
  const standard = value.replace(/-/g, '+').replace(/_/g, '/').replace(/=$/, '');
  if (/^[A-Za-z0-9+/]{43}$/.test(standard)) {
    const bytes = Buffer.from(standard, 'base64');
    if (bytes.length === KEY_BYTES && bytes.toString('base64').replace(/=$/, '') === standard) return bytes;
  }
  return null;
}
