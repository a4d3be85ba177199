// The Jellyfin OpenAPI validator itself (test/support/jellyfin-openapi.ts): the OpenAPI 3.0 → JSON Schema
// rewrite and media-type matching (no document needed), then — per official document — proof that it
// rejects what a real Jellyfin would, so "zero violations" in the adapter suite means something.

import { describe, expect, it } from 'vitest';
import {
  JELLYFIN_VERSIONS,
  requireJellyfinDocuments,
  loadJellyfinContract,
  mediaTypeMatches,
  toJsonSchema,
  type RequestToValidate,
} from '../support/jellyfin-openapi.js';

describe('the OpenAPI 3.0 rewrite', () => {
  it('when a typed schema is nullable, then null joins its type and its enum', () => {
    expect(toJsonSchema({ type: 'string', enum: ['a'], nullable: true })).toEqual({
      type: ['string', 'null'],
      enum: ['a', null],
    });
  });

  it('when an allOf/$ref schema is nullable, then it becomes anyOf with null and refs are made absolute', () => {
    expect(
      toJsonSchema({ allOf: [{ $ref: '#/components/schemas/UserPolicy' }], nullable: true }, 'doc.json'),
    ).toEqual({
      anyOf: [{ allOf: [{ $ref: 'doc.json#/components/schemas/UserPolicy' }] }, { type: 'null' }],
    });
  });

  it('when a property is itself named "nullable", then it is kept as a property', () => {
    expect(toJsonSchema({ type: 'object', properties: { nullable: { type: 'boolean' } } })).toEqual({
      type: 'object',
      properties: { nullable: { type: 'boolean' } },
    });
  });
});

describe('media-type matching', () => {
  it('when the document says image/*, application/*+json or a profile, then matching follows it', () => {
    expect(mediaTypeMatches('image/*', 'image/png')).toBe(true);
    expect(mediaTypeMatches('image/*', 'text/plain')).toBe(false);
    expect(mediaTypeMatches('application/*+json', 'application/merge-patch+json')).toBe(true);
    expect(mediaTypeMatches('application/json', 'application/json; charset=utf-8')).toBe(true);
    expect(mediaTypeMatches('application/json; profile="CamelCase"', 'application/json')).toBe(false);
    expect(
      mediaTypeMatches('application/json; profile="CamelCase"', 'application/json; profile=camelcase'),
    ).toBe(true);
  });
});

requireJellyfinDocuments();
const id = '0123456789abcdef0123456789abcdef';
const auth = { authorization: 'MediaBrowser Token="x"' };
const request = (overrides: Partial<RequestToValidate>): RequestToValidate => ({
  method: 'GET',
  path: '/',
  query: new URLSearchParams(),
  headers: auth,
  body: Buffer.alloc(0),
  ...overrides,
});

describe.each(JELLYFIN_VERSIONS)('the validator with Jellyfin %s', (version) => {
  const contract = loadJellyfinContract(version);

  it('when the path is templated, then literal paths win (/Users/Me is not /Users/{userId})', () => {
    expect(contract.match('GET', '/Users/Me')?.operationId).toBe('GetCurrentUser');
    expect(contract.match('GET', `/Users/${id}`)?.operationId).toBe('GetUserById');
    expect(contract.match('POST', `/Users/${id}/Policy`)?.pathParams).toEqual({ userId: id });
  });

  it('when a request is outside the document, then it is reported', () => {
    expect(contract.validateRequest(request({ path: '/Users/Me/Nonsense' }))).toHaveLength(1);
    // Legacy routes marked [ApiExplorerSettings(IgnoreApi = true)] are not in the document
    expect(contract.validateRequest(request({ method: 'POST', path: `/Users/${id}/Password` }))).not.toEqual(
      [],
    );
  });

  it('when a policy lacks a provider id or has a stray field, then the request is reported', () => {
    const problems = contract.validateRequest(
      request({
        method: 'POST',
        path: `/Users/${id}/Policy`,
        headers: { ...auth, 'content-type': 'application/json' },
        body: Buffer.from(
          JSON.stringify({ IsAdministrator: false, AuthenticationProviderId: 'x', Bogus: 1 }),
        ),
      }),
    );
    expect(problems.join('\n')).toMatch(/PasswordResetProviderId/);
    expect(problems.join('\n')).toMatch(/additional properties/);
  });

  it('when a secured operation has no Authorization header or a required query is missing, then it is reported', () => {
    const problems = contract.validateRequest(
      request({ method: 'POST', path: '/QuickConnect/Authorize', headers: {} }),
    );
    expect(problems.join('\n')).toMatch(/no Authorization header/);
    expect(problems.join('\n')).toMatch(/"code" is missing/);
  });

  it('when an unknown query parameter or a bad GUID is sent, then it is reported; N and D GUIDs pass', () => {
    const folders = contract.validateRequest(
      request({ path: '/Library/MediaFolders', query: new URLSearchParams('hidden=false') }),
    );
    expect(folders).toEqual([expect.stringMatching(/"hidden" is not in the document/)]);
    expect(contract.validateRequest(request({ path: '/Users/not-a-guid' })).join()).toMatch(/uuid/);
    expect(contract.validateRequest(request({ path: `/Users/${id}` }))).toEqual([]);
    expect(
      contract.validateRequest(request({ path: '/Users/01234567-89ab-cdef-0123-456789abcdef' })),
    ).toEqual([]);
  });

  it('when the user image is sent as binary, then it is reported; Base64 text passes', () => {
    const upload = (body: Buffer): string[] =>
      contract.validateRequest(
        request({
          method: 'POST',
          path: '/UserImage',
          query: new URLSearchParams({ userId: id }),
          headers: { ...auth, 'content-type': 'image/png' },
          body,
        }),
      );
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(upload(png)).toHaveLength(1);
    expect(upload(Buffer.from(png.toString('base64')))).toEqual([]);
  });

  it('when an answer breaks its schema or content type, then it is reported', () => {
    const me = contract.match('GET', '/Users/Me')!;
    const bad = contract.validateResponse(me, {
      status: 200,
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify({ Id: id, Name: 'x', Policy: { IsAdministrator: 'yes' } }),
    });
    expect(bad.join('\n')).toMatch(/AuthenticationProviderId/);
    expect(
      contract.validateResponse(me, { status: 200, contentType: 'text/html', body: '<p>' }),
    ).toHaveLength(1);
    expect(contract.validateResponse(me, { status: 302, contentType: '', body: '' })).toHaveLength(1);
  });

  it('when Jellyfin’s known deviations occur, then they pass (JSON-string 403, problem+json 400, text/plain errors)', () => {
    const policy = contract.match('POST', `/Users/${id}/Policy`)!;
    expect(
      contract.validateResponse(policy, {
        status: 403,
        contentType: 'application/json; charset=utf-8',
        body: '"Administrators cannot be disabled."',
      }),
    ).toEqual([]);
    const me = contract.match('GET', '/Users/Me')!;
    expect(
      contract.validateResponse(me, {
        status: 400,
        contentType: 'application/problem+json; charset=utf-8',
        body: '{"title":"Bad Request","status":400,"traceId":"x"}',
      }),
    ).toEqual([]);
    const create = contract.match('POST', '/Users/New')!;
    expect(
      contract.validateResponse(create, { status: 400, contentType: 'text/plain', body: 'taken' }),
    ).toEqual([]);
    expect(
      contract.validateResponse(create, { status: 400, contentType: 'text/html', body: '<p>' }),
    ).toHaveLength(1);
  });
});
