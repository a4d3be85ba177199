// SamlProtocol.start (AuthnRequest on the HTTP-Redirect binding, SAML Core §3.4.1 / Bindings §3.4.4.1),
// SamlProtocol.metadata (SAML Metadata §2.4.4) and SamlProtocol.peekInResponseTo, checked against what a real
// IdP (samlify, with xmllint-wasm schema validation where noted) reads from them.

import { X509Certificate } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { createSamlProtocol } from '../../src/protocols/saml.js';
import { SsoError } from '../../src/sso/errors.js';
import { createSamlIdp, encodeResponse, readSpMetadata } from '../support/saml-idp.js';
import {
  ACS_URL,
  IDP_ENTITY_ID,
  IDP_SSO_URL,
  NOW,
  SP_ENTITY_ID,
  keys,
  loginFlow,
  samlProvider,
} from './harness.js';

const saml = createSamlProtocol({ clock: { now: () => NOW } });

function requestXml(url: string): string {
  const encoded = new URL(url).searchParams.get('SAMLRequest') ?? '';
  return inflateRawSync(Buffer.from(encoded, 'base64')).toString('utf8');
}

describe('SAML start', () => {
  it('when a login starts, then the URL carries a deflated AuthnRequest with every required field', async () => {
    const { url, requestId } = await saml.start(samlProvider(), { relayState: 'state-123', acsUrl: ACS_URL });

    expect(url.startsWith(`${IDP_SSO_URL}?SAMLRequest=`)).toBe(true);
    expect(requestId).toMatch(/^_[0-9a-f]{32}$/);
    const parsed = new URL(url);
    expect(parsed.searchParams.get('RelayState')).toBe('state-123');
    expect(parsed.searchParams.has('Signature')).toBe(false);
    const xml = requestXml(url);
    expect(xml).toContain(`ID="${requestId}"`);
    expect(xml).toContain('Version="2.0"');
    expect(xml).toContain('IssueInstant="2030-01-01T12:00:00Z"');
    expect(xml).toContain(`Destination="${IDP_SSO_URL}"`);
    expect(xml).toContain(`AssertionConsumerServiceURL="${ACS_URL}"`);
    expect(xml).toContain('ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"');
    expect(xml).toContain(`<saml:Issuer>${SP_ENTITY_ID}</saml:Issuer>`);
    expect(xml).toMatch(/<samlp:NameIDPolicy [^>]*AllowCreate="true"/);
  });

  it('when the IdP endpoint already has a query, then the parameters are appended with &', async () => {
    const provider = samlProvider({ samlEndpoint: `${IDP_SSO_URL}?tenant=a` });

    const { url } = await saml.start(provider, { relayState: 'r', acsUrl: ACS_URL });

    expect(url.startsWith(`${IDP_SSO_URL}?tenant=a&SAMLRequest=`)).toBe(true);
  });

  it('when two logins start, then their request ids differ', async () => {
    const a = await saml.start(samlProvider(), { relayState: 'r', acsUrl: ACS_URL });
    const b = await saml.start(samlProvider(), { relayState: 'r', acsUrl: ACS_URL });

    expect(a.requestId).not.toBe(b.requestId);
  });

  it('when a real IdP validates the AuthnRequest against the SAML schema, then it parses it with our id and issuer', async () => {
    const idp = createSamlIdp({
      entityId: IDP_ENTITY_ID,
      privateKeyPem: keys.idpKey,
      certPem: keys.idpCert,
      validateSchema: true,
    });
    const { url, requestId } = await saml.start(samlProvider(), { relayState: 'r&s=1', acsUrl: ACS_URL });

    const request = await idp.parseRequest(url);

    expect(request).toMatchObject({
      id: requestId,
      issuer: SP_ENTITY_ID,
      acsUrl: ACS_URL,
      relayState: 'r&s=1',
    });
  });

  it('when the RelayState exceeds 80 bytes, then start refuses (SAML Bindings §3.4.3)', async () => {
    await expect(
      saml.start(samlProvider(), { relayState: 'x'.repeat(81), acsUrl: ACS_URL }),
    ).rejects.toBeInstanceOf(SsoError);
  });

  it('when an SP signing key is configured, then the request is signed and the IdP verifies it from our metadata', async () => {
    const provider = samlProvider({}, `${keys.spKey}\n${keys.spCert}`);
    const metadata = saml.metadata(provider, { acsUrl: ACS_URL });
    const idp = createSamlIdp({
      entityId: IDP_ENTITY_ID,
      privateKeyPem: keys.idpKey,
      certPem: keys.idpCert,
      spMetadata: metadata,
    });
    const { url, requestId } = await saml.start(provider, { relayState: 'r', acsUrl: ACS_URL });
    expect(new URL(url).searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');

    await expect(idp.parseRequest(url)).resolves.toMatchObject({
      id: requestId,
      sigAlg: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    });
    const forged = url.replace(
      /Signature=[^&]*/,
      `Signature=${encodeURIComponent(Buffer.alloc(256, 1).toString('base64'))}`,
    );
    await expect(idp.parseRequest(forged)).rejects.toThrow(/SIGNATURE/);
  });
});

describe('SAML metadata', () => {
  it('when no SP key is configured, then the metadata names our entity id and ACS and unsigned requests', () => {
    const xml = saml.metadata(samlProvider(), { acsUrl: ACS_URL });

    expect(readSpMetadata(xml)).toEqual({
      entityId: SP_ENTITY_ID,
      acsUrl: ACS_URL,
      authnRequestsSigned: false,
      wantAssertionsSigned: false,
      signingCertificate: null,
    });
    expect(xml).not.toContain('KeyDescriptor');
  });

  it('when an IdP signs only the Response, then the verifier accepts it and the metadata does not claim otherwise', async () => {
    // Metadata §2.4.4: WantAssertionsSigned="true" would demand a signature on the Assertion itself; the
    // verifier accepts one on the Response alone (Profiles §4.1.3.5), so the metadata must not promise more.
    const flow = await loginFlow({ idp: { signResponse: true, signAssertion: false } });
    await expect(flow.verify()).resolves.toMatchObject({ nameId: 'alice@example.test' });
    const unsigned = await loginFlow({ idp: { signResponse: false, signAssertion: false } });
    await expect(unsigned.verify()).rejects.toMatchObject({ code: 'idp_response_invalid' });

    expect(readSpMetadata(saml.metadata(flow.provider, { acsUrl: ACS_URL })).wantAssertionsSigned).toBe(
      false,
    );
  });

  it('when a key with its certificate is configured, then the metadata publishes the certificate but never the key', () => {
    const xml = saml.metadata(samlProvider({}, `${keys.spCert}\n${keys.spKey}`), { acsUrl: ACS_URL });

    const view = readSpMetadata(xml);
    expect(view.authnRequestsSigned).toBe(true);
    expect(view.signingCertificate).toBe(new X509Certificate(keys.spCert).raw.toString('base64'));
    expect(xml).not.toMatch(/PRIVATE KEY/);
  });

  it('when only a key is configured, then requests are announced as signed but no KeyDescriptor is published', () => {
    const xml = saml.metadata(samlProvider({}, keys.spKey), { acsUrl: ACS_URL });

    expect(readSpMetadata(xml)).toMatchObject({ authnRequestsSigned: true, signingCertificate: null });
    expect(xml).not.toMatch(/PRIVATE KEY|KeyDescriptor/);
  });

  it('when the bundled certificate belongs to another key, then it is not published', () => {
    const xml = saml.metadata(samlProvider({}, `${keys.spKey}\n${keys.attackerCert}`), { acsUrl: ACS_URL });

    expect(xml).not.toContain('KeyDescriptor');
  });

  it('when a stored SP signing key is unusable, then start refuses clearly (no internal error)', async () => {
    const corrupt = [
      '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----',
      `${keys.spKey}\n${keys.attackerCert}`,
      'not pem at all',
    ];
    for (const key of corrupt) {
      await expect(
        saml.start(samlProvider({}, key), { relayState: 'r', acsUrl: ACS_URL }),
      ).rejects.toMatchObject({ code: 'provider_disabled', reason: 'provider_misconfigured' });
    }
  });

  it('when the ACS URL contains markup characters, then they are escaped', () => {
    const xml = saml.metadata(samlProvider(), { acsUrl: `${ACS_URL}?a=1&b="2"` });

    expect(readSpMetadata(xml).acsUrl).toBe(`${ACS_URL}?a=1&b="2"`);
  });
});

describe('SAML peekInResponseTo', () => {
  it('when the response answers a request, then its InResponseTo is read', async () => {
    const flow = await loginFlow();

    expect(flow.saml.peekInResponseTo(flow.answer.samlResponse)).toBe(flow.requestId);
  });

  it('when only the subject confirmation carries InResponseTo, then that one is read', async () => {
    const flow = await loginFlow({ values: { responseInResponseTo: null } });

    expect(flow.saml.peekInResponseTo(flow.answer.samlResponse)).toBe(flow.requestId);
  });

  it('when the input is garbage, a DOCTYPE document, or not a Response, then it returns null without throwing', async () => {
    const flow = await loginFlow();

    expect(saml.peekInResponseTo('')).toBeNull();
    expect(saml.peekInResponseTo('%%%not base64%%%')).toBeNull();
    expect(saml.peekInResponseTo(encodeResponse('<not-xml'))).toBeNull();
    expect(
      saml.peekInResponseTo(encodeResponse(`<!DOCTYPE x [<!ENTITY a "b">]>${flow.answer.xml}`)),
    ).toBeNull();
    expect(
      saml.peekInResponseTo(
        encodeResponse(
          '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" InResponseTo="_x"/>',
        ),
      ),
    ).toBeNull();
    expect(
      saml.peekInResponseTo(
        encodeResponse('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>'),
      ),
    ).toBeNull();
  });
});
