// SamlProtocol.verify, the accepted cases: what a well-behaved IdP (samlify, in-process) sends is accepted,
// whether it signs the Response, the Assertion or both, and the identity comes back complete
// (SAML Profiles §4.1.4).

import { X509Certificate } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { encodeResponse, SIG, signXml, stripSignatures } from '../support/saml-idp.js';
import {
  ACS_URL,
  DEFAULT_USER,
  IDP_ENTITY_ID,
  NOW,
  expectRefused,
  keys,
  loginFlow,
  secondsFrom,
} from './harness.js';

describe('SAML verify: accepted responses', () => {
  it('when only the Response is signed, then the assertion is accepted with its identity and attributes', async () => {
    const flow = await loginFlow({ idp: { signResponse: true, signAssertion: false } });
    expect(flow.answer.xml.match(/<ds:Signature[\s>]/g)).toHaveLength(1);

    const assertion = await flow.verify();

    expect(assertion).toEqual({
      assertionId: flow.answer.values.assertionId,
      issuer: IDP_ENTITY_ID,
      nameId: 'alice@example.test',
      attributes: { Role: ['jellyfin-admins', 'jellyfin-users'], email: ['alice@example.test'] },
      inResponseTo: flow.requestId,
      // SubjectConfirmationData and Conditions both end 300 s after NOW; plus the 120 s skew.
      notOnOrAfter: new Date(NOW.getTime() + 420_000),
      nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
      sessionIndex: '_s1',
    });
  });

  it('when only the Assertion is signed, then it is accepted', async () => {
    const flow = await loginFlow({ idp: { signResponse: false, signAssertion: true } });
    expect(flow.answer.xml).toMatch(/<saml:Assertion[^>]*>(?:(?!<\/saml:Assertion>).)*<ds:Signature/s);
    expect(flow.answer.xml.match(/<ds:Signature[\s>]/g)).toHaveLength(1);

    const assertion = await flow.verify();

    expect(assertion.nameId).toBe('alice@example.test');
    expect(assertion.assertionId).toBe(flow.answer.values.assertionId);
  });

  it('when both the Response and the Assertion are signed, then it is accepted', async () => {
    const flow = await loginFlow({ idp: { signResponse: true, signAssertion: true } });
    expect(flow.answer.xml.match(/<ds:Signature[\s>]/g)).toHaveLength(2);

    await expect(flow.verify()).resolves.toMatchObject({ nameId: 'alice@example.test' });
  });

  it('when the Role attribute has several values, then every value is returned in order', async () => {
    const flow = await loginFlow({
      user: { nameId: 'bob', attributes: { Role: ['a', 'b & c', '<d>'], groups: [] } },
    });

    const assertion = await flow.verify();

    expect(assertion.attributes['Role']).toEqual(['a', 'b & c', '<d>']);
    expect(assertion.attributes['groups']).toEqual([]);
  });

  it('when a Role value is nil (xsi:nil), then it is skipped and the other values still count', async () => {
    const flow = await loginFlow();
    const signed = flow.resign((xml) =>
      xml.replace(
        '<saml:AttributeValue xsi:type="xs:string">jellyfin-users</saml:AttributeValue>',
        '<saml:AttributeValue xsi:nil="true"/>',
      ),
    );

    const assertion = await flow.verify(signed);

    expect(assertion.attributes['Role']).toEqual(['jellyfin-admins']);
  });

  it('when the assertion has no attributes, then the attributes are empty', async () => {
    const flow = await loginFlow({ user: { nameId: 'carol' } });

    await expect(flow.verify()).resolves.toMatchObject({ nameId: 'carol', attributes: {} });
  });

  it('when the IdP signs with RSA-SHA512, then it is accepted', async () => {
    const flow = await loginFlow({ idp: { sigAlg: SIG.rsaSha512 } });
    expect(flow.answer.xml).toContain(`Algorithm="${SIG.rsaSha512}"`);
    expect(flow.answer.xml).toContain(`Algorithm="${SIG.sha512}"`);

    await expect(flow.verify()).resolves.toMatchObject({ nameId: 'alice@example.test' });
  });

  it('when the IdP signs with ECDSA-SHA256 and an EC certificate is configured, then it is accepted', async () => {
    const flow = await loginFlow({
      settings: { samlCertificate: new X509Certificate(keys.idpEcCert).raw.toString('base64') },
    });
    const ecSigned = encodeResponse(
      signXml(stripSignatures(flow.answer.xml), {
        privateKeyPem: keys.idpEcKey,
        certPem: keys.idpEcCert,
        target: 'assertion',
        sigAlg: SIG.ecdsaSha256,
      }),
    );

    await expect(flow.verify(ecSigned)).resolves.toMatchObject({ nameId: 'alice@example.test' });
    // The RSA-signed original does not verify with the EC certificate.
    await expectRefused(
      flow.verify(),
      'saml:algorithm',
      /does not match the configured certificate's ec key/,
      'saml.signature_key_mismatch',
    );
  });

  it('when the conditions end before the subject confirmation, then notOnOrAfter is the earliest end plus the skew', async () => {
    const flow = await loginFlow({
      values: { conditionsNotOnOrAfter: secondsFrom(NOW, 60), subjectNotOnOrAfter: secondsFrom(NOW, 600) },
      protocol: { clockSkewSeconds: 30 },
    });

    const assertion = await flow.verify();

    expect(assertion.notOnOrAfter.toISOString()).toBe(secondsFrom(NOW, 90));
  });

  it('when the IdP entity id is not configured, then any issuer is accepted and returned', async () => {
    const flow = await loginFlow({
      settings: { samlIdpEntityId: null },
      values: { responseIssuer: 'https://other-idp.test', assertionIssuer: 'https://other-idp.test' },
    });

    await expect(flow.verify()).resolves.toMatchObject({ issuer: 'https://other-idp.test' });
  });

  it('when only the Assertion is signed and the Response has no Destination, then it is accepted', async () => {
    const flow = await loginFlow({
      idp: { signResponse: false, signAssertion: true },
      values: { destination: null },
    });
    expect(flow.answer.xml).not.toContain('Destination=');

    await expect(flow.verify()).resolves.toMatchObject({ nameId: 'alice@example.test' });
  });

  it('when the unsigned Response Issuer contains a comment, then the whole issuer is still compared', async () => {
    const flow = await loginFlow({ idp: { signResponse: false, signAssertion: true } });
    const commented = flow.answer.xml.replace(
      `<saml:Issuer>${IDP_ENTITY_ID}</saml:Issuer>`,
      `<saml:Issuer>${IDP_ENTITY_ID.slice(0, 10)}<!-- c -->${IDP_ENTITY_ID.slice(10)}</saml:Issuer>`,
    );
    expect(commented).not.toBe(flow.answer.xml);

    await expect(flow.verify(encodeResponse(commented))).resolves.toMatchObject({ issuer: IDP_ENTITY_ID });
  });

  it('when the Response carries no InResponseTo but the signed subject confirmation does, then it is accepted', async () => {
    const flow = await loginFlow({ values: { responseInResponseTo: null } });

    await expect(flow.verify()).resolves.toMatchObject({ inResponseTo: flow.requestId });
  });

  it('when the same response is verified twice, then both succeed with the same assertion id (replay is the caller’s job)', async () => {
    const flow = await loginFlow();

    const first = await flow.verify();
    const second = await flow.verify();

    expect(second.assertionId).toBe(first.assertionId);
  });

  it('when the posted base64 is wrapped over several lines, then it is accepted', async () => {
    const flow = await loginFlow();
    const wrapped = flow.answer.samlResponse.replace(/(.{76})/g, '$1\r\n');

    await expect(flow.verify(wrapped)).resolves.toMatchObject({ nameId: DEFAULT_USER.nameId });
    expect(ACS_URL).toContain('/sso/SAML/post/');
  });
});
