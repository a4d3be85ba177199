// Unit tests of src/protocols/oidc-identity.ts and src/sso/usernames.ts: role extraction shapes (docs/plugin-compatibility.md §5.3.6),
// username resolution and normalisation (§5.3.5, docs/jellyfin-api.md §2.1) and the avatar URL (§5.3.4).

import { describe, expect, it } from 'vitest';

import {
  avatarUrlFromClaims,
  extractRoles,
  resolveUsername,
  splitClaimPath,
} from '../../src/protocols/oidc-identity.js';
import { normaliseUsername } from '../../src/sso/usernames.js';
import { SsoError } from '../../src/sso/errors.js';

describe('extractRoles', () => {
  it('when roleClaim is null or blank, then there are no roles', () => {
    expect(extractRoles({ groups: ['a'] }, null)).toEqual([]);
    expect(extractRoles({ groups: ['a'] }, '  ')).toEqual([]);
  });

  it('when the claim is an array of strings, then each is a role', () => {
    expect(extractRoles({ groups: ['jellyfin-users', 'jellyfin-admins'] }, 'groups')).toEqual([
      'jellyfin-users',
      'jellyfin-admins',
    ]);
  });

  it('when roleClaim has surrounding spaces, then it is trimmed', () => {
    expect(extractRoles({ groups: ['a'] }, ' groups ')).toEqual(['a']);
  });

  it('when the claim is a single string, then it is one role', () => {
    expect(extractRoles({ role: 'admin' }, 'role')).toEqual(['admin']);
  });

  it('when the claim is a space-separated string, then each word is a role', () => {
    expect(extractRoles({ roles: 'admin  user viewer' }, 'roles')).toEqual(['admin', 'user', 'viewer']);
  });

  it('when the claim is a comma-separated string, then each item is a role and inner spaces are kept', () => {
    expect(extractRoles({ roles: 'Jellyfin Users, Admins,,viewer' }, 'roles')).toEqual([
      'Jellyfin Users',
      'Admins',
      'viewer',
    ]);
  });

  it('when the claim is an object map (Zitadel), then its keys are the roles', () => {
    const claims = {
      'urn:zitadel:iam:org:project:roles': {
        admin: { '2319': 'example.zitadel.cloud' },
        user: { '2319': 'example.zitadel.cloud' },
      },
    };
    expect(extractRoles(claims, 'urn:zitadel:iam:org:project:roles')).toEqual(['admin', 'user']);
  });

  it('when the path is nested (realm_access.roles), then the roles are read from the nested array', () => {
    expect(extractRoles({ realm_access: { roles: ['admin', 'user'] } }, 'realm_access.roles')).toEqual([
      'admin',
      'user',
    ]);
  });

  it('when a path segment has an escaped dot, then it is a literal dot in the key', () => {
    const claims = {
      resource_access: { 'jellyfin.client': { roles: ['viewer'] }, jellyfin: { client: { roles: ['x'] } } },
    };
    expect(extractRoles(claims, 'resource_access.jellyfin\\.client.roles')).toEqual(['viewer']);
    expect(splitClaimPath('resource_access.jellyfin\\.client.roles')).toEqual([
      'resource_access',
      'jellyfin.client',
      'roles',
    ]);
  });

  it('when a namespaced claim is written with escaped dots, then it is found', () => {
    expect(
      extractRoles({ 'https://example.com/groups': ['family'] }, 'https://example\\.com/groups'),
    ).toEqual(['family']);
  });

  it('when a namespaced claim is written without escaping, then the whole name is still found', () => {
    expect(extractRoles({ 'https://example.com/groups': ['family'] }, 'https://example.com/groups')).toEqual([
      'family',
    ]);
  });

  it('when the claim or a path segment is missing, then there are no roles', () => {
    expect(extractRoles({}, 'groups')).toEqual([]);
    expect(extractRoles({ realm_access: {} }, 'realm_access.roles')).toEqual([]);
    expect(extractRoles({ groups: null }, 'groups')).toEqual([]);
    expect(extractRoles({}, 'resource_access.jellyfin.roles')).toEqual([]);
  });

  it('when a role list has null entries, then they are skipped and the other roles count', () => {
    expect(extractRoles({ groups: ['admins', null] }, 'groups')).toEqual(['admins']);
    expect(extractRoles({ groups: [null] }, 'groups')).toEqual([]);
  });

  it('when roles repeat, then each is returned once', () => {
    expect(extractRoles({ groups: ['a', 'b', 'a'] }, 'groups')).toEqual(['a', 'b']);
  });

  it('when roles differ in case, then both are kept (exact comparison, docs/plugin-compatibility.md §14 item 14)', () => {
    expect(extractRoles({ groups: ['Admin', 'admin'] }, 'groups')).toEqual(['Admin', 'admin']);
  });

  it.each([
    ['a number', { groups: 42 }, 'groups', 'it is a number'],
    ['a boolean', { groups: true }, 'groups', 'it is a boolean'],
    ['a list of objects', { groups: [{ name: 'a' }] }, 'groups', 'a list containing an object'],
    ['a list of lists', { groups: [['a']] }, 'groups', 'a list containing a list'],
    ['a list with a number', { groups: ['a', 1] }, 'groups', 'a list containing a number'],
    [
      'a string where an object is needed',
      { realm_access: 'admin' },
      'realm_access.roles',
      '"realm_access" is a string',
    ],
    [
      'a list where an object is needed',
      { realm_access: ['admin'] },
      'realm_access.roles',
      '"realm_access" is a list',
    ],
  ])('when the claim is %s, then the login is denied with not_permitted', (_label, claims, path, found) => {
    let caught: unknown;
    try {
      extractRoles(claims, path);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SsoError);
    const error = caught as SsoError;
    expect(error.code).toBe('not_permitted');
    expect(error.step).toBe('claims');
    expect(error.message).toContain(`The role claim "${path}" has an unexpected shape`);
    expect(error.message).toContain(found);
  });
});

describe('resolveUsername', () => {
  it('when defaultUsernameClaim is null or blank, then preferred_username is used', () => {
    expect(resolveUsername({ sub: 's1', preferred_username: 'alice' }, null)).toBe('alice');
    expect(resolveUsername({ sub: 's1', preferred_username: 'alice' }, '  ')).toBe('alice');
  });

  it('when defaultUsernameClaim names a claim, then that claim (trimmed name) is used', () => {
    expect(resolveUsername({ sub: 's1', preferred_username: 'alice', email: 'a@x.org' }, ' email ')).toBe(
      'a@x.org',
    );
  });

  it('when the named claim is missing, empty or not a string, then sub is used', () => {
    expect(resolveUsername({ sub: 's1' }, 'email')).toBe('s1');
    expect(resolveUsername({ sub: 's1', email: '  ' }, 'email')).toBe('s1');
    expect(resolveUsername({ sub: 's1', email: ['a@x.org'] }, 'email')).toBe('s1');
  });

  it('when the named claim is a number, then its decimal text is used', () => {
    expect(resolveUsername({ sub: 's1', uid: 1234 }, 'uid')).toBe('1234');
  });

  it('when neither the claim nor sub is usable, then there is no username', () => {
    expect(resolveUsername({}, null)).toBeNull();
  });
});

describe('normaliseUsername', () => {
  it.each([
    ['alice', 'alice'],
    ['alice@example.com', 'alice@example.com'],
    ["o'brien-smith_jr.+tag", "o'brien-smith_jr.+tag"],
    ['google-oauth2|123456', 'google-oauth2_123456'],
    ['  Alice   Liddell  ', 'Alice Liddell'],
    ['a/b\\c:d', 'a_b_c_d'],
    ['a||||b', 'a_b'],
    ['José Müller', 'José Müller'],
    ['名前', '名前'],
    ['e\u0301', 'é'],
    ['tab\tand\nnewline', 'tab and newline'],
  ])('when the raw name is %j, then it becomes %j', (raw, expected) => {
    expect(normaliseUsername(raw)).toBe(expected);
  });

  it('when the name is longer than 64 characters, then it is cut to 64', () => {
    expect(normaliseUsername('a'.repeat(100))).toBe('a'.repeat(64));
  });

  it('when the cut leaves a trailing space, then it is trimmed', () => {
    expect(normaliseUsername(`${'a'.repeat(63)} b`)).toBe('a'.repeat(63));
  });

  it.each(['', '   ', '|||', '...', '@'])(
    'when nothing usable remains of %j, then the result is null',
    (raw) => {
      expect(normaliseUsername(raw)).toBeNull();
    },
  );

  it("when a result is returned, then it matches Jellyfin's rule", () => {
    const jellyfin = /^(?!\s)[\p{L}\p{Mn}\p{Nd}\p{Pc} \-'.@+]+(?<!\s)$/u;
    for (const raw of ['a<b>c', ' x ', 'ünï©ødé™', 'a\u0000b', '😀smile']) {
      const name = normaliseUsername(raw);
      expect(name).not.toBeNull();
      expect(name).toMatch(jellyfin);
    }
  });
});

describe('avatarUrlFromClaims', () => {
  const claims = {
    sub: 'u 1',
    picture: 'https://img.example.com/a.png',
    email: 'a+b@example.com',
    groups: ['first', 'second'],
    avatar_id: 77,
  };

  it('when the format is empty or null, then the picture claim is used', () => {
    expect(avatarUrlFromClaims(null, claims)).toBe('https://img.example.com/a.png');
    expect(avatarUrlFromClaims('', claims)).toBe('https://img.example.com/a.png');
  });

  it('when there is no format and picture is not an http(s) URL, then there is no avatar', () => {
    expect(avatarUrlFromClaims(null, { picture: 'javascript:alert(1)' })).toBeNull();
    expect(avatarUrlFromClaims(null, { picture: 'data:image/png;base64,AAAA' })).toBeNull();
    expect(avatarUrlFromClaims(null, {})).toBeNull();
  });

  it('when the format has placeholders, then they are replaced by URL-encoded claim values', () => {
    expect(
      avatarUrlFromClaims('https://cdn.example.com/@{sub}/@{email}.png?g=@{groups}&n=@{avatar_id}', claims),
    ).toBe('https://cdn.example.com/u%201/a%2Bb%40example.com.png?g=first&n=77');
  });

  it('when a value would inject a path or query, then encoding keeps it inside its placeholder', () => {
    expect(avatarUrlFromClaims('https://cdn.example.com/u/@{sub}', { sub: '../../admin?x=1#y' })).toBe(
      'https://cdn.example.com/u/..%2F..%2Fadmin%3Fx%3D1%23y',
    );
  });

  it('when the format is exactly one placeholder, then the claim value is the whole URL', () => {
    expect(avatarUrlFromClaims('@{picture}', claims)).toBe('https://img.example.com/a.png');
  });

  it('when a placeholder has no value, then there is no avatar', () => {
    expect(avatarUrlFromClaims('https://cdn.example.com/@{missing}.png', claims)).toBeNull();
  });

  it('when the result is not an http(s) URL, then there is no avatar', () => {
    expect(avatarUrlFromClaims('file:///etc/@{sub}', claims)).toBeNull();
    expect(avatarUrlFromClaims('not a url @{sub}', claims)).toBeNull();
  });
});
