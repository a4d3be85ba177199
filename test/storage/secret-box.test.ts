// The secret box and key loading (src/storage/secret-box.ts): AES-256-GCM round trips, refusal of a wrong
// key, a moved or altered value, and the key sources (SSO_SECRET_KEY forms, the 0600 key file).

import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createSecretBox,
  loadSecretKey,
  parseSecretKey,
  SecretKeyError,
} from '../../src/storage/secret-box.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sso-key-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('secret box', () => {
  const box = createSecretBox(randomBytes(32));

  it('when a value is sealed, then it opens to the same text and the sealed form does not contain it', () => {
    const sealed = box.seal('client-secret-ÄÖ-💥', 'provider-secrets:1');
    expect(sealed).toMatch(/^v1:[\w-]{8}:[\w-]+:[\w-]+:[\w-]+$/);
    expect(sealed).not.toContain('client-secret');
    expect(box.open(sealed, 'provider-secrets:1')).toBe('client-secret-ÄÖ-💥');
  });

  it('when the same value is sealed twice, then the two sealed forms differ (random IV)', () => {
    expect(box.seal('x')).not.toBe(box.seal('x'));
  });

  it('when a value is opened with another key, then a SecretKeyError names SSO_SECRET_KEY', () => {
    const other = createSecretBox(randomBytes(32));
    const sealed = box.seal('secret');
    expect(() => other.open(sealed)).toThrow(SecretKeyError);
    expect(() => other.open(sealed)).toThrow(/SSO_SECRET_KEY/);
  });

  it('when a value is opened in another context (copied to another row), then it is refused', () => {
    const sealed = box.seal('secret', 'provider-secrets:a');
    expect(() => box.open(sealed, 'provider-secrets:b')).toThrow(/integrity/);
  });

  it('when the ciphertext is altered, then it is refused instead of returning garbage', () => {
    const sealed = box.seal('secret value');
    const parts = sealed.split(':');
    const ct = Buffer.from(parts[4]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    parts[4] = ct.toString('base64url');
    expect(() => box.open(parts.join(':'))).toThrow(SecretKeyError);
  });

  it('when the format is unknown, then it is refused with a clear message', () => {
    expect(() => box.open('v9:abc')).toThrow(/format/);
  });
});

describe('secret key sources', () => {
  it('when SSO_SECRET_KEY is 64 hex characters, then it is the key', () => {
    const hex = randomBytes(32).toString('hex');
    expect(loadSecretKey({ secretKey: hex, dataDir: tempDir() }).key.toString('hex')).toBe(hex);
  });

  it('when SSO_SECRET_KEY is base64 or base64url of 32 bytes, then it is the key', () => {
    const bytes = randomBytes(32);
    expect(parseSecretKey(bytes.toString('base64'))?.equals(bytes)).toBe(true);
    expect(parseSecretKey(bytes.toString('base64url'))?.equals(bytes)).toBe(true);
  });

  it('when SSO_SECRET_KEY is anything else, then the error names SSO_SECRET_KEY', () => {
    for (const bad of [
      'short',
      randomBytes(31).toString('hex'),
      randomBytes(33).toString('base64'),
      'z'.repeat(64),
    ]) {
      expect(() => loadSecretKey({ secretKey: bad, dataDir: tempDir() })).toThrow(/SSO_SECRET_KEY/);
    }
  });

  it('when there is no SSO_SECRET_KEY, then a key file is created with mode 0600 and reused', () => {
    const dataDir = join(tempDir(), 'nested', 'data');
    const first = loadSecretKey({ dataDir });
    expect(first.source).toBe('file-created');
    const file = join(dataDir, 'secret.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    const second = loadSecretKey({ dataDir });
    expect(second.source).toBe('file');
    expect(second.key.equals(first.key)).toBe(true);
    expect(second.warning).toBeUndefined();
  });

  it('when SSO_DATA_DIR is a file, or inside one, then the error names SSO_DATA_DIR and what was found', () => {
    const file = join(tempDir(), 'not-a-folder');
    writeFileSync(file, 'x');
    expect(() => loadSecretKey({ dataDir: file })).toThrow(
      new SecretKeyError(`SSO_DATA_DIR ${file} is a file, not a folder`),
    );
    expect(() => loadSecretKey({ dataDir: join(file, 'data') })).toThrow(
      /^SSO_DATA_DIR .*\/not-a-folder\/data cannot be a folder: a part of its path is a file$/,
    );
  });

  it('when the key file has the wrong length, then it is refused and the error names the file', () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'secret.key'), 'abcd\n', { mode: 0o600 });
    expect(() => loadSecretKey({ dataDir })).toThrow(/secret\.key/);
  });

  it('when the key file is readable by others, then it is used with a warning to chmod 600', () => {
    const dataDir = tempDir();
    loadSecretKey({ dataDir });
    chmodSync(join(dataDir, 'secret.key'), 0o644);
    expect(loadSecretKey({ dataDir }).warning).toMatch(/chmod 600/);
  });
});
