// The Jellyfin credential reader (src/http/credentials.ts; docs/jellyfin-api.md §1.1,
// docs/plugin-compatibility.md §2.2): the `MediaBrowser` header format and the order in which the token
// sources are read.
import { describe, expect, it } from 'vitest';
import { parseAuthorizationHeader, readToken } from '../../src/http/credentials.js';

describe('parseAuthorizationHeader', () => {
  it('when every field is quoted, then Token, Client, Device, DeviceId and Version are read', () => {
    expect(
      parseAuthorizationHeader(
        'MediaBrowser Client="Jellyfin Web", Device="Firefox", DeviceId="abc123", Version="10.11.0", Token="tok"',
      ),
    ).toEqual({
      Client: 'Jellyfin Web',
      Device: 'Firefox',
      DeviceId: 'abc123',
      Version: '10.11.0',
      Token: 'tok',
    });
  });

  it('when values are bare, then they are read up to the next comma, without surrounding blanks', () => {
    expect(parseAuthorizationHeader('MediaBrowser Token=tok123, Client=web ,Version=1')).toEqual({
      Token: 'tok123',
      Client: 'web',
      Version: '1',
    });
  });

  it('when quoted and bare values are mixed, then both are read', () => {
    expect(parseAuthorizationHeader('MediaBrowser Client="a", Token=b')).toEqual({ Client: 'a', Token: 'b' });
  });

  it('when a quoted value contains commas, then the commas belong to the value', () => {
    expect(parseAuthorizationHeader('MediaBrowser Device="Pixel, 8, Pro", Token="t,1"')).toEqual({
      Device: 'Pixel, 8, Pro',
      Token: 't,1',
    });
  });

  it('when values are URL-encoded, then they are decoded, `+` as a space (WebUtility.UrlDecode)', () => {
    expect(
      parseAuthorizationHeader(
        'MediaBrowser Client="Jellyfin.Server%20Integration%20Tests", Device="Apple+II", DeviceId="a%2Bb%3D%3D", Token="x%2Fy"',
      ),
    ).toEqual({
      Client: 'Jellyfin.Server Integration Tests',
      Device: 'Apple II',
      DeviceId: 'a+b==',
      Token: 'x/y',
    });
  });

  it('when a value holds an invalid percent sequence, then it is kept as sent', () => {
    expect(parseAuthorizationHeader('MediaBrowser Token="100%zz"')?.Token).toBe('100%zz');
  });

  it('when a key is spelled in another letter case, then it is not that field (`token` is not `Token`)', () => {
    expect(parseAuthorizationHeader('MediaBrowser token="x", CLIENT="y", deviceid="z"')).toEqual({});
  });

  it('when fields other than the five known ones are sent, then they are ignored', () => {
    expect(parseAuthorizationHeader('MediaBrowser UserId="u", Token="t", Foo=bar')).toEqual({ Token: 't' });
  });

  it('when the scheme is MediaBrowser in any letter case, then the header is read', () => {
    expect(parseAuthorizationHeader('mediabrowser Token="a"')?.Token).toBe('a');
    expect(parseAuthorizationHeader('MEDIABROWSER Token="b"')?.Token).toBe('b');
  });

  it('when the scheme is Emby (legacy), then the header is read', () => {
    expect(parseAuthorizationHeader('Emby Token="legacy", Client="old"')).toEqual({
      Token: 'legacy',
      Client: 'old',
    });
    expect(parseAuthorizationHeader('emby Token=x')?.Token).toBe('x');
  });

  it('when the scheme is another one, then the header is ignored', () => {
    expect(parseAuthorizationHeader('Bearer abc')).toBeNull();
    expect(parseAuthorizationHeader('Basic dXNlcjpwYXNz')).toBeNull();
    expect(parseAuthorizationHeader('Bearer Token="abc"')).toBeNull();
    expect(parseAuthorizationHeader('MediaBrowserX Token="abc"')).toBeNull();
    expect(parseAuthorizationHeader('Token="abc"')).toBeNull();
  });

  it('when there is no header, then there is nothing', () => {
    expect(parseAuthorizationHeader(undefined)).toBeNull();
    expect(parseAuthorizationHeader('')).toBeNull();
  });

  it('when the scheme has no fields, then it yields no fields', () => {
    expect(parseAuthorizationHeader('MediaBrowser ')).toEqual({});
  });
});

describe('readToken', () => {
  const all = {
    headers: {
      authorization: 'MediaBrowser Token="from-authorization"',
      'x-emby-authorization': 'MediaBrowser Token="from-x-emby-authorization"',
      'x-emby-token': 'from-x-emby-token',
      'x-mediabrowser-token': 'from-x-mediabrowser-token',
    },
    query: { ApiKey: 'from-apikey', api_key: 'from-api_key' },
  };

  it('when every source carries a token, then they are read in Jellyfin order, each one only if those before are absent', () => {
    const order = [
      'from-authorization',
      'from-x-emby-authorization',
      'from-x-emby-token',
      'from-x-mediabrowser-token',
      'from-apikey',
      'from-api_key',
    ];
    const headers: Record<string, string> = { ...all.headers };
    const query: Record<string, string> = { ...all.query };
    const seen: (string | null)[] = [];
    const drop = [
      () => delete headers['authorization'],
      () => delete headers['x-emby-authorization'],
      () => delete headers['x-emby-token'],
      () => delete headers['x-mediabrowser-token'],
      () => delete query['ApiKey'],
      () => delete query['api_key'],
    ];
    for (const remove of drop) {
      seen.push(readToken({ headers, query }));
      remove();
    }
    expect(seen).toEqual(order);
    expect(readToken({ headers, query })).toBeNull();
  });

  it('when the Authorization header has no Token field, then the next source is used', () => {
    expect(
      readToken({
        headers: { authorization: 'MediaBrowser Client="web", DeviceId="d"', 'x-emby-token': 'fallback' },
        query: {},
      }),
    ).toBe('fallback');
  });

  it('when the Authorization header uses another scheme, then it does not hide the token of the query', () => {
    expect(readToken({ headers: { authorization: 'Bearer not-ours' }, query: { api_key: 'k' } })).toBe('k');
  });

  it('when the token key is lower case, then it is not a token', () => {
    expect(readToken({ headers: { authorization: 'MediaBrowser token="x"' }, query: {} })).toBeNull();
  });

  it('when the header token is URL-encoded, then the decoded token is returned', () => {
    expect(readToken({ headers: { authorization: 'MediaBrowser Token="a%20b%2Bc"' }, query: {} })).toBe(
      'a b+c',
    );
  });

  it('when a source is empty or blank, then it counts as absent', () => {
    expect(
      readToken({
        headers: { authorization: 'MediaBrowser Token=""', 'x-emby-token': '  ', 'x-mediabrowser-token': '' },
        query: { ApiKey: '', api_key: 'last' },
      }),
    ).toBe('last');
  });

  it('when the query key is spelled in another letter case, then it is still read (ASP.NET binding)', () => {
    expect(readToken({ headers: {}, query: { apikey: 'lower' } })).toBe('lower');
    expect(readToken({ headers: {}, query: { API_KEY: 'upper' } })).toBe('upper');
  });

  it('when a header or query value repeats, then the first one is used', () => {
    expect(readToken({ headers: { 'x-emby-token': ['one', 'two'] }, query: {} })).toBe('one');
    expect(readToken({ headers: {}, query: { ApiKey: ['first', 'second'] } })).toBe('first');
  });

  it('when a query value is not a string, then it is ignored', () => {
    expect(readToken({ headers: {}, query: { ApiKey: { nested: 'x' } } })).toBeNull();
  });
});
