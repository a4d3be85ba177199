// Secrets at rest: the service's data-encryption key (SSO_SECRET_KEY or <dataDir>/secret.key) and the
// AES-256-GCM box that seals provider secrets and flow secrets before they reach the database.
//
// Sealed format (one ASCII string, base64url parts): `v1:<kid>:<iv>:<tag>:<ciphertext>`
//   v1   format version, so the algorithm or layout can change without guessing
//   kid  8 chars of HMAC-SHA256(key, "jellyfin-sso key id"): tells "wrong key" apart from "corrupted data"
//        without revealing anything usable about the key
//   iv   12 random bytes (GCM's recommended nonce size); never reused because it is random per seal
//   tag  16-byte GCM authentication tag
// An optional `context` string is bound as GCM additional data, so a sealed value copied into another row
// (another provider, another flow) does not decrypt there.
//
// The same key also gives keyed hashes (`mac`) of values that must be matched but not kept in the clear,
// such as the client address of a login flow: a plain SHA-256 of an IPv4 address is reversed by trying
// all 2^32 of them.

import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSecretKey, SECRET_KEY_PROBLEM } from '../database-settings.js';

export { parseSecretKey };

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';
export const KEY_FILE_NAME = 'secret.key';

/** A problem with the configured key: the message names what to fix (SSO_SECRET_KEY or the key file). */
export class SecretKeyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretKeyError';
  }
}

export interface SecretBox {
  /** 8-character key id (see the header); also stored with every sealed value. */
  readonly keyId: string;
  seal(plaintext: string, context?: string): string;
  /** Throws SecretKeyError when the value was sealed with another key or was tampered with. */
  open(sealed: string, context?: string): string;
  /** HMAC-SHA256 of the value under a key derived for `context`, base64url (43 characters). */
  mac(value: string, context: string): string;
}

export interface SecretKeySource {
  /** The value of SSO_SECRET_KEY, if set: 64 hex characters or base64 of 32 bytes. */
  secretKey?: string | undefined;
  /** Where `secret.key` lives when SSO_SECRET_KEY is not set. */
  dataDir: string;
}

export interface LoadedSecretKey {
  key: Buffer;
  source: 'env' | 'file-created' | 'file';
  /** Path of the key file when the key came from one. */
  file?: string;
  /** Set when the key file can be read by other users (it should be 0600). */
  warning?: string;
}

/** SSO_DATA_DIR as a folder (created when missing); a file or an unwritable place there is named. */
function makeDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const found = isErrno(error, 'EEXIST')
      ? 'is a file, not a folder'
      : isErrno(error, 'ENOTDIR')
        ? 'cannot be a folder: a part of its path is a file'
        : errorText(error);
    throw new SecretKeyError(`SSO_DATA_DIR ${dataDir} ${found}`, { cause: error });
  }
}

/**
 * The key, from SSO_SECRET_KEY when given, else from `<dataDir>/secret.key`, created (mode 0600) on first
 * start and reused afterwards. Throws SecretKeyError with a message naming SSO_SECRET_KEY or the file.
 */
export function loadSecretKey(source: SecretKeySource): LoadedSecretKey {
  if (source.secretKey !== undefined && source.secretKey.trim() !== '') {
    const key = parseSecretKey(source.secretKey);
    if (!key) {
      throw new SecretKeyError(SECRET_KEY_PROBLEM);
    }
    return { key, source: 'env' };
  }

  const file = join(source.dataDir, KEY_FILE_NAME);
  makeDataDir(source.dataDir);
  const generated = randomBytes(KEY_BYTES);
  try {
    // 'wx' fails if the file exists: two instances starting at once cannot both write a key.
    writeFileSync(file, `${generated.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600); // the umask could have removed bits, never added; make it exact anyway
    return { key: generated, source: 'file-created', file };
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) {
      throw new SecretKeyError(
        `cannot create the key file ${file} (or set SSO_SECRET_KEY): ${errorText(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SecretKeyError(`cannot read the key file ${file}: ${errorText(error)}`, { cause: error });
  }
  const key = parseSecretKey(text);
  if (!key) {
    throw new SecretKeyError(
      `the key file ${file} does not hold a 32-byte key (64 hex characters); restore the original file ` +
        'or set SSO_SECRET_KEY to the key the data was encrypted with',
    );
  }
  const mode = statSync(file).mode & 0o777;
  const loaded: LoadedSecretKey = { key, source: 'file', file };
  if ((mode & 0o077) !== 0) {
    loaded.warning = `the key file ${file} has mode ${mode.toString(8)}; it should be 600 (chmod 600 ${file})`;
  }
  return loaded;
}

export function createSecretBox(key: Uint8Array): SecretBox {
  if (key.length !== KEY_BYTES) throw new SecretKeyError(`the secret key must be ${KEY_BYTES} bytes`);
  const keyBuffer = Buffer.from(key);
  const keyId = createHmac('sha256', keyBuffer).update('jellyfin-sso key id').digest('base64url').slice(0, 8);

  return {
    keyId,
    mac(value, context) {
      const derived = createHmac('sha256', keyBuffer).update(`jellyfin-sso mac:${context}`).digest();
      return createHmac('sha256', derived).update(value, 'utf8').digest('base64url');
    },
    seal(plaintext, context = '') {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', keyBuffer, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [
        VERSION,
        keyId,
        iv.toString('base64url'),
        tag.toString('base64url'),
        ciphertext.toString('base64url'),
      ].join(':');
    },
    open(sealed, context = '') {
      const parts = sealed.split(':');
      const [version, kid, ivText, tagText, ctText] = parts;
      if (
        parts.length !== 5 ||
        version !== VERSION ||
        kid === undefined ||
        ivText === undefined ||
        tagText === undefined ||
        ctText === undefined
      ) {
        throw new SecretKeyError('a stored secret is not in a format this version understands (expected v1)');
      }
      if (kid !== keyId) {
        throw new SecretKeyError(
          'stored secrets were encrypted with a different key: set SSO_SECRET_KEY (or restore <dataDir>/secret.key) ' +
            'to the key used when they were written',
        );
      }
      const iv = Buffer.from(ivText, 'base64url');
      const tag = Buffer.from(tagText, 'base64url');
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
        throw new SecretKeyError('a stored secret is damaged (bad IV or tag length)');
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', keyBuffer, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(Buffer.from(ctText, 'base64url')), decipher.final()]).toString(
          'utf8',
        );
      } catch (error) {
        // Same key id but authentication failed: the value was altered or moved to another row.
        throw new SecretKeyError(
          'a stored secret failed its integrity check (altered, or copied from another record)',
          {
            cause: error,
          },
        );
      }
    },
  };
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && (error as NodeJS.ErrnoException).code === code;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
