// Comparing secrets without a timing side channel. `===` on strings stops at the first differing
// character, so its duration tells an attacker how much of a guess was right; timingSafeEqual takes the
// same time for every input of a given length. Both sides are hashed first, which gives equal-length
// inputs (timingSafeEqual throws otherwise) and hides the secret's length as well.
// Finding a row by the SHA-256 of a random secret (session tokens, API keys, flow state and one-time
// tokens) needs no such care: timing can at most reveal a prefix of a hash, which gives nothing towards
// a secret of 128 bits or more.
import { createHash, timingSafeEqual } from 'node:crypto';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** True when both strings are the same secret (or the same hash of one), in time independent of them. */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}
