// sameSecret (src/sso/same-secret.ts): the one comparison used for secrets and hashes of secrets.
import { describe, expect, it } from 'vitest';
import { sameSecret } from '../../src/sso/same-secret.js';

describe('sameSecret', () => {
  it('when both sides are the same secret, then they match', () => {
    expect(sameSecret('9f86d081884c7d659a2feaa0c55ad015', '9f86d081884c7d659a2feaa0c55ad015')).toBe(true);
    expect(sameSecret('', '')).toBe(true);
    expect(sameSecret('clé-ü-🔑', 'clé-ü-🔑')).toBe(true);
  });

  it('when the sides differ anywhere, then they do not match', () => {
    const secret = 'a'.repeat(64);
    expect(sameSecret(secret, `b${secret.slice(1)}`)).toBe(false);
    expect(sameSecret(secret, `${secret.slice(0, 63)}b`)).toBe(false);
    expect(sameSecret(secret, secret.toUpperCase())).toBe(false);
  });

  it('when the sides differ in length, then they do not match and nothing throws', () => {
    // timingSafeEqual itself throws on unequal lengths; the helper must compare anything it is given.
    expect(sameSecret('abc', 'abcd')).toBe(false);
    expect(sameSecret('', 'x')).toBe(false);
    expect(sameSecret('a'.repeat(10_000), 'a')).toBe(false);
  });

  it('when two strings render alike but are different characters, then they do not match', () => {
    expect(sameSecret('\u00e9', 'e\u0301')).toBe(false);
  });
});
