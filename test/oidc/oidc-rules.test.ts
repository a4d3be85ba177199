// Unit tests of src/protocols/oidc-rules.ts: oidEndpoint normalisation, scopes and the extra authorization
// parameters, each rule of docs/plugin-compatibility.md §5.1.

import { describe, expect, it } from 'vitest';

import { SsoError } from '../../src/sso/errors.js';
import {
  buildScopes,
  normaliseOidEndpoint,
  parseAuthorizationParameters,
} from '../../src/protocols/oidc-rules.js';

function fieldError(run: () => unknown): { field: string; message: string } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SsoError);
    const ssoError = error as SsoError;
    expect(ssoError.code).toBe('invalid_request');
    const [first] = ssoError.errors ?? [];
    expect(first).toBeDefined();
    return first!;
  }
  throw new Error('expected an invalid_request error');
}

describe('normaliseOidEndpoint', () => {
  it.each([
    ['https://idp.example.com', 'https://idp.example.com'],
    ['  https://idp.example.com/  ', 'https://idp.example.com'],
    ['https://idp.example.com/realms/home/', 'https://idp.example.com/realms/home'],
    [
      'https://idp.example.com/realms/home/.well-known/openid-configuration',
      'https://idp.example.com/realms/home',
    ],
    ['https://idp.example.com/.well-known/openid-configuration/', 'https://idp.example.com'],
    ['https://IDP.example.com:443/application/o/jellyfin/', 'https://idp.example.com/application/o/jellyfin'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
  ])('when oidEndpoint is %j, then the issuer base is %j', (raw, expected) => {
    expect(normaliseOidEndpoint(raw)).toBe(expected);
  });

  it.each([
    ['', 'is required'],
    ['   ', 'is required'],
    ['idp.example.com', 'absolute http(s) URL'],
    ['ftp://idp.example.com', 'http(s) URL, not ftp'],
    ['https://user:pw@idp.example.com', 'user name or password'],
    ['https://idp.example.com/?x=1', 'query string'],
  ])('when oidEndpoint is %j, then it is refused naming oidEndpoint', (raw, message) => {
    const error = fieldError(() => normaliseOidEndpoint(raw));
    expect(error.field).toBe('oidEndpoint');
    expect(error.message).toContain(message);
  });
});

describe('buildScopes', () => {
  it('when no extra scopes are set, then the scopes are "openid profile"', () => {
    expect(buildScopes({ oidScopes: [], overrideDefaultScopes: false })).toBe('openid profile');
  });

  it('when extra scopes are set, then they follow the defaults trimmed, without blanks and duplicates', () => {
    expect(
      buildScopes({
        oidScopes: [' groups ', '', 'email', 'profile', 'groups', 'openid'],
        overrideDefaultScopes: false,
      }),
    ).toBe('openid profile groups email');
  });

  it('when overrideDefaultScopes is set, then profile is dropped but openid kept', () => {
    expect(buildScopes({ oidScopes: [], overrideDefaultScopes: true })).toBe('openid');
    expect(buildScopes({ oidScopes: ['email'], overrideDefaultScopes: true })).toBe('openid email');
  });

  it('when an entry holds several space-separated scopes, then each counts once', () => {
    expect(buildScopes({ oidScopes: ['email  groups', 'groups'], overrideDefaultScopes: false })).toBe(
      'openid profile email groups',
    );
  });

  it('when scopes differ only in case, then both are kept (ordinal comparison)', () => {
    expect(buildScopes({ oidScopes: ['Groups', 'groups'], overrideDefaultScopes: false })).toBe(
      'openid profile Groups groups',
    );
  });
});

describe('parseAuthorizationParameters', () => {
  it('when the text is null or blank, then there are no parameters', () => {
    expect(parseAuthorizationParameters(null)).toEqual({});
    expect(parseAuthorizationParameters('  ')).toEqual({});
  });

  it('when values are scalars, then strings stay, booleans and numbers become invariant text', () => {
    expect(
      parseAuthorizationParameters(
        '{"prompt":"login","login_hint":"a b","kc.idp":"google","ui-x":true,"y_z":false,"max_age":3600,"ratio":1.5,"neg":-2e3}',
      ),
    ).toEqual({
      prompt: 'login',
      login_hint: 'a b',
      'kc.idp': 'google',
      'ui-x': 'true',
      y_z: 'false',
      max_age: '3600',
      ratio: '1.5',
      neg: '-2000',
    });
  });

  it('when claims is an object, then it is serialised compactly', () => {
    expect(
      parseAuthorizationParameters('{ "claims" : { "id_token" : { "groups" : { "essential" : true } } } }'),
    ).toEqual({ claims: '{"id_token":{"groups":{"essential":true}}}' });
  });

  it('when claims is not an object, then it is refused naming the entry', () => {
    const error = fieldError(() => parseAuthorizationParameters('{"claims":"{}"}'));
    expect(error.field).toBe('oidAuthorizationParameters.claims');
    expect(error.message).toContain('must be a JSON object');
  });

  it.each([
    ['not json', 'must be a JSON object'],
    ['[1,2]', 'not an array'],
    ['"text"', 'not a string'],
    ['{"a":1} trailing', 'must be a JSON object'],
    ['{"a":1,}', 'must be a JSON object'],
  ])('when the text is %j, then it is refused as not a JSON object', (text, message) => {
    const error = fieldError(() => parseAuthorizationParameters(text));
    expect(error.field).toBe('oidAuthorizationParameters');
    expect(error.message).toContain(message);
  });

  it('when a key appears twice, then it is refused naming the key', () => {
    const error = fieldError(() => parseAuthorizationParameters('{"prompt":"login","prompt":"none"}'));
    expect(error.field).toBe('oidAuthorizationParameters.prompt');
    expect(error.message).toContain('"prompt" appears more than once');
  });

  it('when a key appears twice inside claims, then it is refused naming the path', () => {
    const error = fieldError(() =>
      parseAuthorizationParameters('{"claims":{"id_token":{},"id_token":{"x":null}}}'),
    );
    expect(error.field).toBe('oidAuthorizationParameters.claims.id_token');
  });

  it('when there are more than 16 entries, then the object is refused', () => {
    const entries = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`p${i}`, 'v']));
    const error = fieldError(() => parseAuthorizationParameters(JSON.stringify(entries)));
    expect(error.field).toBe('oidAuthorizationParameters');
    expect(error.message).toContain('at most 16');
  });

  it('when there are exactly 16 entries, then they are accepted', () => {
    const entries = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`p${i}`, 'v']));
    expect(Object.keys(parseAuthorizationParameters(JSON.stringify(entries)))).toHaveLength(16);
  });

  it.each(['1abc', '_x', 'has space', 'x'.repeat(65), 'ümlaut', ''])(
    'when a name is %j, then it is refused by the name rule',
    (name) => {
      const error = fieldError(() => parseAuthorizationParameters(JSON.stringify({ [name]: 'v' })));
      expect(error.field).toBe(`oidAuthorizationParameters.${name}`);
      expect(error.message).toContain('must start with a letter');
    },
  );

  it('when a name is 64 characters, then it is accepted', () => {
    const name = `a${'b'.repeat(63)}`;
    expect(parseAuthorizationParameters(JSON.stringify({ [name]: 'v' }))).toEqual({ [name]: 'v' });
  });

  it.each([
    'client_id',
    'redirect_uri',
    'response_type',
    'scope',
    'state',
    'nonce',
    'code_challenge',
    'code_challenge_method',
    'resource',
    'request',
    'request_uri',
    'Client_ID',
    'NONCE',
  ])('when the reserved name %j is used, then it is refused case-insensitively', (name) => {
    const error = fieldError(() => parseAuthorizationParameters(JSON.stringify({ [name]: 'x' })));
    expect(error.field).toBe(`oidAuthorizationParameters.${name}`);
    expect(error.message).toContain('cannot be overridden');
  });

  it.each([
    ['null', 'not null'],
    ['[]', 'not an array'],
    ['{}', 'not an object'],
  ])('when a value is %s, then it is refused as not a scalar', (value, message) => {
    const error = fieldError(() => parseAuthorizationParameters(`{"prompt":${value}}`));
    expect(error.field).toBe('oidAuthorizationParameters.prompt');
    expect(error.message).toContain(message);
  });

  it('when a value is longer than 8192 characters, then it is refused; 8192 is accepted', () => {
    expect(parseAuthorizationParameters(JSON.stringify({ hint: 'x'.repeat(8192) })).hint).toHaveLength(8192);
    const error = fieldError(() => parseAuthorizationParameters(JSON.stringify({ hint: 'x'.repeat(8193) })));
    expect(error.field).toBe('oidAuthorizationParameters.hint');
    expect(error.message).toContain('at most 8192');
  });

  it('when a serialised claims object exceeds 8192 characters, then it is refused', () => {
    const claims = { id_token: { big: { value: 'x'.repeat(8200) } } };
    const error = fieldError(() => parseAuthorizationParameters(JSON.stringify({ claims })));
    expect(error.field).toBe('oidAuthorizationParameters.claims');
  });

  it('when names and values together exceed 16384 characters, then the object is refused', () => {
    const entries = { a: 'x'.repeat(8000), b: 'x'.repeat(8000), c: 'x'.repeat(400) };
    const error = fieldError(() => parseAuthorizationParameters(JSON.stringify(entries)));
    expect(error.field).toBe('oidAuthorizationParameters');
    expect(error.message).toContain('16384');
  });

  it('when names and values total exactly 16384 characters, then they are accepted', () => {
    const entries = { a: 'x'.repeat(8191), b: 'x'.repeat(8191) };
    expect(Object.keys(parseAuthorizationParameters(JSON.stringify(entries)))).toEqual(['a', 'b']);
  });

  it('when a key is "__proto__", then it is refused by the name rule rather than polluting objects', () => {
    const error = fieldError(() => parseAuthorizationParameters('{"__proto__":"x"}'));
    expect(error.field).toBe('oidAuthorizationParameters.__proto__');
  });

  it('when strings use escapes, then they are decoded', () => {
    expect(parseAuthorizationParameters('{"login_hint":"a\\"b\\u00e9\\n"}')).toEqual({
      login_hint: 'a"bé\n',
    });
  });
});
