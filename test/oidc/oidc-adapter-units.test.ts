// Unit tests of the OIDC adapter's pieces that need no IdP: claim merging (ID token > userinfo > access
// token), client authentication choice (RFC 8414 §2), the https rule (https unless `disableHttps`, loopback always) and the
// error mapping of library failures (oidc-errors.ts).

import * as client from 'openid-client';
import { describe, expect, it } from 'vitest';

import { createOidcProtocol } from '../../src/protocols/oidc.js';
import { decodeJwtPayload, mergeClaims } from '../../src/protocols/oidc-claims.js';
import { chooseClientAuth } from '../../src/protocols/oidc-discovery.js';
import { cleanIdpText, oidcErrorToSsoError } from '../../src/protocols/oidc-errors.js';
import { isAllowedScheme, isLoopbackHost } from '../../src/protocols/oidc-fetch.js';
import { SsoError } from '../../src/sso/errors.js';
import { oidcProvider } from './fixtures.js';

/** A ClientError as openid-client throws it (its constructor's typings omit `code`). */
function clientError(message: string, cause: unknown, code: string): client.ClientError {
  return Object.assign(new client.ClientError(message, { cause }), { code });
}

function jwt(payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'at+jwt' })}.${part(payload)}.c2ln`;
}

describe('mergeClaims', () => {
  it('when userinfo repeats an ID token claim, then the ID token value wins and new userinfo claims are added', () => {
    const merged = mergeClaims(
      { sub: 'alice', preferred_username: 'alice', groups: ['a'] },
      { sub: 'alice', preferred_username: 'mallory', email: 'alice@example.com' },
      null,
    );
    expect(merged).toEqual({
      sub: 'alice',
      preferred_username: 'alice',
      groups: ['a'],
      email: 'alice@example.com',
    });
  });

  it('when the access token is a JWT, then its extra claims are added but never identity or protocol claims', () => {
    const token = jwt({
      sub: 'mallory',
      iss: 'https://evil.example.com',
      aud: 'api',
      scope: 'openid',
      realm_access: { roles: ['admin'] },
      preferred_username: 'mallory',
    });
    const merged = mergeClaims({ sub: 'alice', preferred_username: 'alice' }, null, token);
    expect(merged).toEqual({ sub: 'alice', preferred_username: 'alice', realm_access: { roles: ['admin'] } });
  });

  it('when the access token is opaque or malformed, then it adds nothing', () => {
    expect(mergeClaims({ sub: 'a' }, null, 'opaque-token')).toEqual({ sub: 'a' });
    expect(decodeJwtPayload('a.b.c')).toBeNull();
    expect(decodeJwtPayload(`x.${Buffer.from('[1]').toString('base64url')}.y`)).toBeNull();
  });

  it('when a source has a "__proto__" claim, then it stays a plain property', () => {
    const userinfo = JSON.parse('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    const merged = mergeClaims({ sub: 'a' }, userinfo, null);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect((merged as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe('chooseClientAuth', () => {
  it('when basic and post are both supported, then basic is chosen', () => {
    const choice = chooseClientAuth(
      { token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'] },
      's',
    );
    expect(choice.authMethod).toBe('client_secret_basic');
  });

  it('when only post is supported, then post is chosen', () => {
    expect(
      chooseClientAuth({ token_endpoint_auth_methods_supported: ['client_secret_post'] }, 's').authMethod,
    ).toBe('client_secret_post');
  });

  it('when the list is absent, then the RFC 8414 default client_secret_basic is chosen', () => {
    expect(chooseClientAuth({}, 's').authMethod).toBe('client_secret_basic');
  });

  it('when there is no secret, then the client is public (none)', () => {
    expect(
      chooseClientAuth({ token_endpoint_auth_methods_supported: ['client_secret_basic'] }, null).authMethod,
    ).toBe('none');
    expect(chooseClientAuth({}, '').authMethod).toBe('none');
  });

  it('when neither secret method is supported, then the provider is refused with the methods it lists', () => {
    expect(() =>
      chooseClientAuth({ token_endpoint_auth_methods_supported: ['private_key_jwt'] }, 's'),
    ).toThrow(/neither client_secret_basic nor client_secret_post.*private_key_jwt/);
  });
});

describe('https rule', () => {
  it('when the host is loopback, then http is allowed without disableHttps', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '[::1]']) {
      expect(isLoopbackHost(host)).toBe(true);
      expect(isAllowedScheme(new URL(`http://${host}:8080/x`), false)).toBe(true);
    }
  });

  it('when the host is not loopback, then http needs disableHttps and https is always allowed', () => {
    expect(isAllowedScheme(new URL('http://idp.example.com'), false)).toBe(false);
    expect(isAllowedScheme(new URL('http://127.0.0.1.nip.io'), false)).toBe(false);
    expect(isAllowedScheme(new URL('http://10.0.0.5'), false)).toBe(false);
    expect(isAllowedScheme(new URL('http://idp.example.com'), true)).toBe(true);
    expect(isAllowedScheme(new URL('https://idp.example.com'), false)).toBe(true);
    expect(isAllowedScheme(new URL('ftp://idp.example.com'), true)).toBe(false);
  });

  it('when oidEndpoint is http on another host without disableHttps, then start refuses it before any request', async () => {
    const protocol = createOidcProtocol();
    const error = await protocol
      .start(oidcProvider({ oidEndpoint: 'http://idp.invalid' }), { state: 's', redirectUri: 'https://x/cb' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SsoError);
    expect(error).toMatchObject({ code: 'provider_disabled', reason: 'provider_misconfigured' });
    expect((error as SsoError).message).toContain('oidEndpoint');
  });

  it('when the authorization parameters are invalid, then start refuses before any request', async () => {
    const protocol = createOidcProtocol();
    const error = await protocol
      .start(
        oidcProvider({ oidEndpoint: 'https://idp.invalid', oidAuthorizationParameters: '{"state":"x"}' }),
        {
          state: 's',
          redirectUri: 'https://x/cb',
        },
      )
      .catch((caught: unknown) => caught);
    expect((error as SsoError).errors?.[0]?.field).toBe('oidAuthorizationParameters.state');
  });
});

describe('oidcErrorToSsoError', () => {
  const context = { operation: 'code exchange' as const, step: 'exchange' as const, timeoutMs: 10_000 };

  it('when the IdP description is long or has control characters, then it is flattened and capped at 300', () => {
    const cleaned = cleanIdpText(`bad\r\n${'x'.repeat(400)}`);
    expect(cleaned.startsWith('bad x')).toBe(true);
    expect(cleaned).toHaveLength(300);
    expect(cleaned.endsWith('…')).toBe(true);
  });

  it('when the callback carries error=, then it is idp_error with the cleaned description', () => {
    const params = new URLSearchParams({
      error: 'access_denied',
      error_description: `no\n${'y'.repeat(500)}`,
    });
    const error = oidcErrorToSsoError(new client.AuthorizationResponseError('x', { cause: params }), context);
    expect(error.code).toBe('idp_error');
    expect(error.step).toBe('exchange');
    expect(error.message.startsWith('The identity provider refused the sign-in: access_denied – no y')).toBe(
      true,
    );
    expect(error.message.length).toBeLessThan(400);
  });

  it('when fetch fails with a connection error, then it is upstream_unavailable', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const error = oidcErrorToSsoError(new TypeError('fetch failed', { cause }), context);
    expect(error.code).toBe('upstream_unavailable');
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it('when a request times out, then it is upstream_unavailable naming the timeout', () => {
    const error = oidcErrorToSsoError(
      new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
      context,
    );
    expect(error.code).toBe('upstream_unavailable');
    expect(error.message).toContain('within 10 s');
  });

  it('when an expired ID token is reported, then it is the expiry check', () => {
    const inner = Object.assign(new Error('unexpected JWT "exp" (expiration time) claim value'), {
      name: 'OperationProcessingError',
      code: 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
      cause: { claim: 'exp', now: 2, tolerance: 30 },
    });
    const error = oidcErrorToSsoError(
      clientError('JWT timestamp claim value failed validation', inner, inner.code),
      context,
    );
    expect(error.code).toBe('idp_response_invalid');
    expect(error.step).toBe('verify');
    expect(error.message).toContain('failed the expiry check');
  });

  it('when the audience does not match, then it is the audience check', () => {
    const inner = Object.assign(new Error('unexpected JWT "aud" (audience) claim value'), {
      name: 'OperationProcessingError',
      code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      cause: { claim: 'aud', expected: 'jellyfin' },
    });
    const error = oidcErrorToSsoError(
      clientError('unexpected JWT claim value encountered', inner, inner.code),
      context,
    );
    expect(error.message).toContain('failed the audience check');
  });

  it('when the ID token issuer does not match, then it is the issuer check', () => {
    const inner = Object.assign(new Error('unexpected JWT "iss" (issuer) claim value'), {
      name: 'OperationProcessingError',
      code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      cause: { claim: 'iss' },
    });
    const error = oidcErrorToSsoError(clientError('x', inner, inner.code), context);
    expect(error.message).toContain('failed the issuer check');
  });

  it('when the ID token uses HS256, then the signature check explains the algorithm', () => {
    const inner = Object.assign(new Error('unsupported JWS algorithm'), {
      code: 'OAUTH_UNSUPPORTED_OPERATION',
    });
    const error = oidcErrorToSsoError(clientError('unsupported operation', inner, inner.code), context);
    expect(error.message).toContain('failed the signature check');
    expect(error.message).toContain('HS256');
  });

  it('when a 502 answer comes back, then it is upstream_unavailable', () => {
    const error = oidcErrorToSsoError(
      clientError(
        'unexpected HTTP response status code',
        new Response('bad gateway', { status: 502 }),
        'OAUTH_RESPONSE_IS_NOT_CONFORM',
      ),
      context,
    );
    expect(error.code).toBe('upstream_unavailable');
    expect(error.message).toContain('HTTP 502');
  });

  it('when an unrelated programming error is thrown, then it is internal, not blamed on the IdP', () => {
    const error = oidcErrorToSsoError(new RangeError('bug'), context);
    expect(error.code).toBe('internal');
  });
});
