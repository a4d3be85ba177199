// The PKCE pair the start sends (RFC 7636): the S256 challenge is the known answer of RFC 7636 Appendix B,
// the same as openid-client's own (WebCrypto) computation, and every verifier is new and well formed.
import * as client from 'openid-client';
import { describe, expect, it } from 'vitest';
import { newPkcePair, s256Challenge } from '../../src/protocols/oidc-pkce.js';

describe('the PKCE pair of a start', () => {
  it('when the verifier is RFC 7636 Appendix B, then the challenge is the appendix answer', () => {
    expect(s256Challenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('when pairs are made, then each challenge equals openid-client’s and no verifier repeats', async () => {
    const verifiers = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const { verifier, challenge } = newPkcePair();
      // RFC 7636 §4.1: 43–128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
      expect(verifier).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
      expect(challenge).toBe(await client.calculatePKCECodeChallenge(verifier));
      verifiers.add(verifier);
    }
    expect(verifiers.size).toBe(50);
  });
});
