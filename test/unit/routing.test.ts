// The path canonicaliser (src/http/routing.ts; docs/plugin-compatibility.md §2.1): literal segments in
// any letter case map to the spec's spelling, one trailing slash is tolerated, parameter segments keep
// their case.
import { describe, expect, it } from 'vitest';
import { SPEC_PATH } from '../../src/app.js';
import { loadSpec } from '../../src/http/api.js';
import { createPathCanonicaliser } from '../../src/http/routing.js';

const specPaths = Object.keys(loadSpec(SPEC_PATH).paths ?? {});
const specCanonicaliser = createPathCanonicaliser(specPaths);
const spec = { canonicalise: (path: string): string => specCanonicaliser.canonicalise(path).path };

describe('createPathCanonicaliser on the real spec', () => {
  it('when literal segments are in another letter case, then they take the spec spelling', () => {
    expect(spec.canonicalise('/sso/oid/getnames')).toBe('/sso/OID/GetNames');
    expect(spec.canonicalise('/SSO/OID/GETNAMES')).toBe('/sso/OID/GetNames');
    expect(spec.canonicalise('/Sso/Saml/Get')).toBe('/sso/SAML/Get');
    expect(spec.canonicalise('/sso/unregister/alice')).toBe('/sso/Unregister/alice');
  });

  it('when a path has parameters, then their letter case is kept', () => {
    expect(spec.canonicalise('/SSO/OID/START/Authentik')).toBe('/sso/OID/start/Authentik');
    expect(spec.canonicalise('/sso/oid/del/authentik')).toBe('/sso/OID/Del/authentik');
    expect(spec.canonicalise('/sso/OID/LINK/Keycloak/5F0C6A0E8D2B4C53A1C9A0F0E3B7D111')).toBe(
      '/sso/OID/Link/Keycloak/5F0C6A0E8D2B4C53A1C9A0F0E3B7D111',
    );
  });

  it('when a path ends with one slash, then the slash is dropped', () => {
    expect(spec.canonicalise('/sso/OID/GetNames/')).toBe('/sso/OID/GetNames');
    expect(spec.canonicalise('/sso/oid/add/x/')).toBe('/sso/OID/Add/x');
  });

  it('when a segment is a literal of one template and a parameter of another, then the more literal template wins', () => {
    // `/sso/oid/links/{id}` (literal `links`) against nothing else of four segments; and `saml` as mode.
    expect(spec.canonicalise('/SSO/OID/LINKS/5f0c6a0e8d2b4c53a1c9a0f0e3b7d111')).toBe(
      '/sso/oid/links/5f0c6a0e8d2b4c53a1c9a0f0e3b7d111',
    );
    expect(spec.canonicalise('/sso/SAML/p/x')).toBe('/sso/SAML/p/x');
  });

  it('when a parameter holds encoded reserved characters, then it stays one segment that decodes once to the text', () => {
    // openapi-backend's router (bath) percent-decodes each parameter once more and cuts the path at `?` and
    // trims it: the canonical path must keep parameters encoded, or `a%3Fb` would route as provider `a`.
    for (const text of ['My IdP', 'a/b', 'a?b', 'a#b', '50%', '50%25', 'trailing ', 'é']) {
      const canonical = spec.canonicalise(`/SSO/oid/START/${encodeURIComponent(text)}`);
      const segments = canonical.split('/');
      expect(segments, JSON.stringify(text)).toHaveLength(5);
      expect(segments.slice(0, 4).join('/'), JSON.stringify(text)).toBe('/sso/OID/start');
      expect(canonical, JSON.stringify(text)).not.toMatch(/[?#\s]/);
      expect(decodeURIComponent(segments[4] ?? ''), JSON.stringify(text)).toBe(text);
    }
  });

  it('when a path matches, then the matched template is reported (for the Allow header of a 405)', () => {
    expect(specCanonicaliser.canonicalise('/sso/saml/P/x').template).toBe('/sso/SAML/p/{provider}');
    expect(specCanonicaliser.canonicalise('/sso/nope').template).toBeNull();
  });

  it('when the path matches no template, then it is returned as sent', () => {
    expect(spec.canonicalise('/sso/nope')).toBe('/sso/nope');
    expect(spec.canonicalise('/sso/OID/start')).toBe('/sso/OID/start');
    expect(spec.canonicalise('/')).toBe('/');
  });

  it('when an unmatched path holds non-ASCII text, then it is returned percent-encoded', () => {
    expect(spec.canonicalise('/nope/%C3%A9')).toBe('/nope/%C3%A9');
  });

  it('when a parameter segment is empty, then the template does not match', () => {
    expect(spec.canonicalise('/sso/oid/add//x')).toBe('/sso/oid/add//x');
  });
});

describe('createPathCanonicaliser on synthetic templates', () => {
  const synthetic = createPathCanonicaliser(['/a/{x}', '/a/Bee', '/a/{x}/{y}', '/a/{x}/Tail']);
  const c = { canonicalise: (path: string): string => synthetic.canonicalise(path).path };

  it('when a literal and a parameter template both match, then the literal one wins in any order', () => {
    expect(c.canonicalise('/A/BEE')).toBe('/a/Bee');
    expect(createPathCanonicaliser(['/a/Bee', '/a/{x}']).canonicalise('/a/bee').path).toBe('/a/Bee');
    expect(c.canonicalise('/a/Other')).toBe('/a/Other');
    expect(c.canonicalise('/a/v/tail')).toBe('/a/v/Tail');
    expect(c.canonicalise('/a/v/W')).toBe('/a/v/W');
  });

  it('when the segment count differs from every template, then nothing matches', () => {
    expect(c.canonicalise('/a/1/2/3')).toBe('/a/1/2/3');
  });
});
