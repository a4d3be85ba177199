// The PKCE pair of an authorization request (RFC 7636): a fresh code verifier and its S256 challenge.
// The challenge is hashed with node:crypto's synchronous SHA-256 rather than WebCrypto's digest, which
// openid-client uses: that one is an asynchronous job costing ≈ 35–75 µs per call here, up to a tenth of the
// CPU of a whole start (bench/README.md), for the same 32 bytes.
import { createHash } from 'node:crypto';
import * as client from 'openid-client';

/** RFC 7636 §4.2: code_challenge = BASE64URL-ENCODE(SHA256(ASCII(code_verifier))). */
export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** A verifier of 43 characters from 32 random bytes (RFC 7636 §4.1), and its S256 challenge. */
export function newPkcePair(): { verifier: string; challenge: string } {
  const verifier = client.randomPKCECodeVerifier();
  return { verifier, challenge: s256Challenge(verifier) };
}
