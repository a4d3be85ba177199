// SamlProtocol.verify, hostile documents about the signature: missing, foreign or weak signatures, signature
// wrapping (XSW) in its classic shapes, duplicate IDs, comment injection, DTDs and entity bombs, encrypted or
// foreign documents. Each test pins the sub-reason, so it fails if the check that should catch it is removed
// (SAML Core §5.4; XMLDSig Core §4.3.3; SAML Security Considerations).

import { describe, expect, it } from 'vitest';

import {
  assertionOf,
  decodeResponse,
  edit,
  encodeResponse,
  evilAssertion,
  SIG,
  signXml,
  stripSignatures,
} from '../support/saml-idp.js';
import { ACS_URL, expectRefused, keys, loginFlow } from './harness.js';

const RESPONSE_ONLY = { idp: { signResponse: true, signAssertion: false } };
const ASSERTION_ONLY = { idp: { signResponse: false, signAssertion: true } };

describe('SAML verify: signatures', () => {
  it('when neither the Response nor the Assertion is signed, then it is refused as unsigned', async () => {
    const flow = await loginFlow({ idp: { signResponse: false, signAssertion: false } });
    expect(flow.answer.xml).not.toContain('<ds:Signature');

    await expectRefused(flow.verify(), 'saml:unsigned', /not signed/, 'saml.unsigned');
  });

  it('when the signatures are stripped from a signed response, then it is refused as unsigned', async () => {
    const flow = await loginFlow({ idp: { signResponse: true, signAssertion: true } });

    await expectRefused(
      flow.verify(encodeResponse(stripSignatures(flow.answer.xml))),
      'saml:unsigned',
      /not signed/,
      'saml.unsigned',
    );
  });

  it('when the response is signed by another key, then it is refused', async () => {
    const flow = await loginFlow({ idp: { privateKeyPem: keys.attackerKey, certPem: keys.attackerCert } });
    // The attacker's certificate travels in KeyInfo; it must not be used.
    expect(flow.answer.xml).toContain('<ds:X509Certificate>');

    await expectRefused(
      flow.verify(),
      'saml:signature',
      /does not verify with the configured IdP certificate/,
      'saml.signature_invalid',
    );
  });

  it('when the signed NameID is changed after signing, then it is refused as altered', async () => {
    const flow = await loginFlow(RESPONSE_ONLY);
    const tampered = edit(flow.answer.xml, '>alice@example.test</saml:NameID>', '>admin</saml:NameID>');

    await expectRefused(
      flow.verify(encodeResponse(tampered)),
      'saml:signed-content',
      /altered after it was signed/,
      'saml.signed_content_altered',
    );
  });

  it('when a signed Role value is changed after signing, then it is refused as altered', async () => {
    const flow = await loginFlow(ASSERTION_ONLY);
    const tampered = edit(flow.answer.xml, '>jellyfin-users<', '>jellyfin-superadmins<');

    await expectRefused(
      flow.verify(encodeResponse(tampered)),
      'saml:signed-content',
      /Assertion was altered/,
      'saml.signed_content_altered',
    );
  });

  it('when the IdP signs with RSA-SHA1, then it is refused as a weak algorithm', async () => {
    const flow = await loginFlow({ idp: { sigAlg: SIG.rsaSha1 } });
    expect(flow.answer.xml).toContain(`Algorithm="${SIG.rsaSha1}"`);

    await expectRefused(
      flow.verify(),
      'saml:algorithm',
      /rsa-sha1.*SHA-1 and other weak algorithms are refused/,
      'saml.sha1_signature_refused',
    );
  });

  it('when the signature is RSA-SHA256 but the digest is SHA-1, then it is refused', async () => {
    const flow = await loginFlow();
    const response = flow.resign((xml) => xml, { digestAlg: SIG.sha1 });

    await expectRefused(
      flow.verify(response),
      'saml:digest',
      /digest method ".*#sha1".*SHA-1 is refused/,
      'saml.sha1_digest_refused',
    );
  });

  it('when the SignatureMethod claims HMAC, then it is refused before any key is used', async () => {
    const flow = await loginFlow();
    const hmac = edit(
      flow.answer.xml,
      `Algorithm="${SIG.rsaSha256}"`,
      'Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1"',
    );

    await expectRefused(
      flow.verify(encodeResponse(hmac)),
      'saml:algorithm',
      /hmac-sha1.*not accepted/,
      'saml.sha1_signature_refused',
    );
  });

  it('when the reference uses inclusive c14n instead of exclusive, then it is refused', async () => {
    const flow = await loginFlow();
    const response = flow.resign((xml) => xml, { transforms: [SIG.enveloped, SIG.c14n] });

    await expectRefused(
      flow.verify(response),
      'saml:transform',
      /exactly the transforms enveloped-signature then exclusive/,
      'saml.transforms',
    );
  });

  it('when the signature reference points at another element than its parent, then it is refused', async () => {
    const flow = await loginFlow(RESPONSE_ONLY);
    const assertionId = flow.answer.values.assertionId;
    const repointed = edit(flow.answer.xml, /URI="#[^"]*"/, `URI="#${assertionId}"`);

    await expectRefused(
      flow.verify(encodeResponse(repointed)),
      'saml:reference',
      /must reference its own Response/,
      'saml.reference_target',
    );
  });

  it('when the signature reference URI is empty (whole document), then it is refused', async () => {
    const flow = await loginFlow(RESPONSE_ONLY);

    await expectRefused(
      flow.verify(encodeResponse(edit(flow.answer.xml, /URI="#[^"]*"/, 'URI=""'))),
      'saml:reference',
      /references ""/,
      'saml.reference_target',
    );
  });

  it('when the signature has two references, then it is refused', async () => {
    const flow = await loginFlow(RESPONSE_ONLY);
    const reference = /<ds:Reference[\s\S]*?<\/ds:Reference>/.exec(flow.answer.xml)?.[0] ?? '';
    const twice = edit(
      flow.answer.xml,
      reference,
      reference + reference.replace(/URI="#[^"]*"/, `URI="#${flow.answer.values.assertionId}"`),
    );

    await expectRefused(
      flow.verify(encodeResponse(twice)),
      'saml:reference',
      /exactly one Reference; it has 2/,
      'saml.reference_count',
    );
  });

  it('when the document is an EncryptedAssertion response, then it is refused as unsupported', async () => {
    const flow = await loginFlow(ASSERTION_ONLY);
    const encrypted = edit(
      flow.answer.xml,
      assertionOf(flow.answer.xml),
      '<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></saml:EncryptedAssertion>',
    );

    await expectRefused(
      flow.verify(encodeResponse(encrypted)),
      'saml:encrypted',
      /encrypted assertions are not supported/,
      'saml.encrypted_assertion',
    );
  });
});

describe('SAML verify: signature wrapping', () => {
  it('when an unsigned evil assertion is placed beside (after) the signed one, then it is refused', async () => {
    const flow = await loginFlow(ASSERTION_ONLY);
    const signed = assertionOf(flow.answer.xml);
    const xsw = edit(flow.answer.xml, signed, signed + evilAssertion(flow.answer.xml, 'admin'));

    await expectRefused(
      flow.verify(encodeResponse(xsw)),
      'saml:assertion-count',
      /exactly one Assertion; it contains 2/,
      'saml.assertion_count',
    );
  });

  it('when an unsigned evil assertion is placed before the signed one, then it is refused', async () => {
    const flow = await loginFlow(ASSERTION_ONLY);
    const signed = assertionOf(flow.answer.xml);
    const xsw = edit(flow.answer.xml, signed, evilAssertion(flow.answer.xml, 'admin') + signed);

    await expectRefused(
      flow.verify(encodeResponse(xsw)),
      'saml:assertion-count',
      /exactly one Assertion; it contains 2/,
      'saml.assertion_count',
    );
  });

  it('when an evil assertion is hidden inside the signed one, then it is refused', async () => {
    const flow = await loginFlow(RESPONSE_ONLY);
    const xsw = edit(
      flow.answer.xml,
      '</saml:Conditions>',
      `</saml:Conditions><saml:Advice>${evilAssertion(flow.answer.xml, 'admin')}</saml:Advice>`,
    );

    await expectRefused(
      flow.verify(encodeResponse(xsw)),
      'saml:assertion-count',
      /it contains 2/,
      'saml.assertion_count',
    );
  });

  it('when an evil assertion is wrapped around the signed one, then it is refused', async () => {
    const flow = await loginFlow(ASSERTION_ONLY);
    const signed = assertionOf(flow.answer.xml);
    const evil = evilAssertion(flow.answer.xml, 'admin');
    const around = evil.replace(
      '</saml:Conditions>',
      `</saml:Conditions><saml:Advice>${signed}</saml:Advice>`,
    );
    const xsw = edit(flow.answer.xml, signed, around);

    await expectRefused(
      flow.verify(encodeResponse(xsw)),
      'saml:assertion-count',
      /it contains 2/,
      'saml.assertion_count',
    );
  });

  it('when an evil Response wraps the signed Response, then it is refused', async () => {
    const flow = await loginFlow(RESPONSE_ONLY);
    const original = flow.answer.xml;
    const evil =
      `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_evilresponse" Version="2.0" IssueInstant="${flow.answer.values.issueInstant}" Destination="${ACS_URL}" InResponseTo="${flow.requestId}">` +
      `<samlp:Extensions>${original}</samlp:Extensions>` +
      '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>' +
      `${evilAssertion(original, 'admin')}</samlp:Response>`;

    await expectRefused(flow.verify(encodeResponse(evil)), 'saml:structure', /second Response/);
  });

  it('when the signed assertion is moved into Extensions and an evil one with the same ID takes its place, then it is refused', async () => {
    const flow = await loginFlow(ASSERTION_ONLY);
    const signed = assertionOf(flow.answer.xml);
    const evil = evilAssertion(flow.answer.xml, 'admin', flow.answer.values.assertionId);
    const xsw = edit(
      edit(flow.answer.xml, signed, evil),
      '<samlp:Status>',
      `<samlp:Extensions>${signed}</samlp:Extensions><samlp:Status>`,
    );

    await expectRefused(
      flow.verify(encodeResponse(xsw)),
      'saml:duplicate-id',
      /more than once/,
      'saml.duplicate_id',
    );
  });

  it('when an element elsewhere repeats the signed ID under another attribute name, then it is refused', async () => {
    const flow = await loginFlow(ASSERTION_ONLY);
    const xsw = edit(
      flow.answer.xml,
      '<samlp:Status>',
      `<samlp:Extensions><x:Decoy xmlns:x="urn:x" x:Id="${flow.answer.values.assertionId}"/></samlp:Extensions><samlp:Status>`,
    );

    await expectRefused(
      flow.verify(encodeResponse(xsw)),
      'saml:duplicate-id',
      /more than once/,
      'saml.duplicate_id',
    );
  });

  it('when the signed assertion is replaced by an evil one that keeps the original signature, then it is refused', async () => {
    const flow = await loginFlow(ASSERTION_ONLY);
    const signed = assertionOf(flow.answer.xml);
    const signature = /<ds:Signature[\s\S]*?<\/ds:Signature>/.exec(signed)?.[0] ?? '';
    const evil = evilAssertion(flow.answer.xml, 'admin').replace(
      '</saml:Issuer>',
      `</saml:Issuer>${signature}`,
    );
    const xsw = edit(flow.answer.xml, signed, evil);

    await expectRefused(
      flow.verify(encodeResponse(xsw)),
      'saml:reference',
      /must reference its own Assertion/,
      'saml.reference_target',
    );
  });

  it('when the assertion signature is moved up to the Response and the assertion is replaced, then it is refused', async () => {
    const flow = await loginFlow(ASSERTION_ONLY);
    const signed = assertionOf(flow.answer.xml);
    const signature = /<ds:Signature[\s\S]*?<\/ds:Signature>/.exec(signed)?.[0] ?? '';
    const xsw = edit(
      edit(flow.answer.xml, signed, evilAssertion(flow.answer.xml, 'admin')),
      '<samlp:Status>',
      `${signature}<samlp:Status>`,
    );

    await expectRefused(
      flow.verify(encodeResponse(xsw)),
      'saml:reference',
      /must reference its own Response/,
      'saml.reference_target',
    );
  });

  it('when a signature hides inside an Object of another signature, then it is refused', async () => {
    const flow = await loginFlow(RESPONSE_ONLY);
    const xsw = edit(
      flow.answer.xml,
      '</ds:KeyInfo>',
      `</ds:KeyInfo><ds:Object>${evilAssertion(flow.answer.xml, 'admin')}</ds:Object>`,
    );

    await expectRefused(
      flow.verify(encodeResponse(xsw)),
      'saml:assertion-count',
      /it contains 2/,
      'saml.assertion_count',
    );
  });

  it('when the Assertion carries a second signature, then it is refused', async () => {
    const flow = await loginFlow(ASSERTION_ONLY);
    const signature = /<ds:Signature[\s\S]*?<\/ds:Signature>/.exec(flow.answer.xml)?.[0] ?? '';
    const doubled = edit(flow.answer.xml, signature, signature + signature);

    await expectRefused(
      flow.verify(encodeResponse(doubled)),
      'saml:signature-placement',
      /more than one signature/,
      'saml.signature_placement',
    );
  });

  it('when the Response carries a second signature, then it is refused', async () => {
    const flow = await loginFlow(RESPONSE_ONLY);
    const signature = /<ds:Signature[\s\S]*?<\/ds:Signature>/.exec(flow.answer.xml)?.[0] ?? '';
    const doubled = edit(flow.answer.xml, signature, signature + signature);

    await expectRefused(flow.verify(encodeResponse(doubled)), 'saml:structure', /more than one Signature/);
  });

  it('when a comment splits the signed NameID, then the full NameID is read, not its first text node', async () => {
    // The classic CVE-2017-11428 shape: the IdP signed "admin@example.test.evil.test"; the attacker inserts a
    // comment (invisible to the signature, which is computed without comments) after "admin@example.test".
    const flow = await loginFlow({ ...RESPONSE_ONLY, user: { nameId: 'admin@example.test.evil.test' } });
    const injected = edit(
      flow.answer.xml,
      'admin@example.test.evil.test',
      'admin@example.test<!---->.evil.test',
    );

    const assertion = await flow.verify(encodeResponse(injected));

    expect(assertion.nameId).toBe('admin@example.test.evil.test');
  });

  it('when a comment splits a signed Role value, then the full value is read', async () => {
    const flow = await loginFlow({
      ...ASSERTION_ONLY,
      user: { nameId: 'bob', attributes: { Role: ['admins-not'] } },
    });
    const injected = edit(flow.answer.xml, '>admins-not<', '>admins<!-- -->-not<');

    await expect(flow.verify(encodeResponse(injected))).resolves.toMatchObject({
      attributes: { Role: ['admins-not'] },
    });
  });
});

describe('SAML verify: hostile XML', () => {
  it('when the document has a DOCTYPE with nested entities (billion laughs), then it is refused at once', async () => {
    const flow = await loginFlow();
    const entities = Array.from({ length: 10 }, (_, i) =>
      i === 0 ? '<!ENTITY lol0 "lol">' : `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`,
    ).join('');
    const bomb = flow.answer.xml.replace('alice@example.test</saml:NameID>', '&lol9;</saml:NameID>');
    const started = performance.now();

    await expectRefused(
      flow.verify(encodeResponse(`<?xml version="1.0"?><!DOCTYPE samlp:Response [${entities}]>${bomb}`)),
      'saml:dtd',
      /DOCTYPE or entity declaration/,
      'saml.dtd',
    );
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('when the document declares an external entity (XXE), then it is refused', async () => {
    const flow = await loginFlow();
    const xxe = `<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>${flow.answer.xml.replace('alice@example.test<', '&x;<')}`;

    await expectRefused(flow.verify(encodeResponse(xxe)), 'saml:dtd', /DOCTYPE/, 'saml.dtd');
  });

  it('when the form field is not base64, then it is refused as badly encoded', async () => {
    const flow = await loginFlow();

    await expectRefused(flow.verify('<samlp:Response/>'), 'saml:encoding', /not valid base64/);
  });

  it('when the decoded bytes are not UTF-8, then it is refused', async () => {
    const flow = await loginFlow();

    await expectRefused(
      flow.verify(Buffer.from([0xff, 0xfe, 0x3c, 0x00]).toString('base64')),
      'saml:encoding',
      /UTF-8/,
    );
  });

  it('when the XML is malformed (duplicate attribute), then it is refused instead of repaired', async () => {
    const flow = await loginFlow();
    const duplicate = edit(
      flow.answer.xml,
      ` Recipient="${ACS_URL}"`,
      ` Recipient="${ACS_URL}" Recipient="https://evil.test/acs"`,
    );

    await expectRefused(flow.verify(encodeResponse(duplicate)), 'saml:xml', /not well-formed/);
  });

  it('when the root is a Response of another namespace, then it is refused', async () => {
    const flow = await loginFlow();
    const foreign = flow.answer.xml.replace(
      'xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"',
      'xmlns:samlp="urn:oasis:names:tc:SAML:1.0:protocol"',
    );

    await expectRefused(
      flow.verify(encodeResponse(foreign)),
      'saml:not-response',
      /not a SAML 2.0 protocol Response/,
    );
  });

  it('when a prefix is used without a namespace declaration, then it is refused', async () => {
    const flow = await loginFlow();
    const undeclared = edit(flow.answer.xml, '<samlp:Status>', '<evil:Thing/><samlp:Status>');

    await expectRefused(flow.verify(encodeResponse(undeclared)), 'saml:xml', /undeclared namespace prefix/);
  });

  it('when the response is larger than the limit, then it is refused before decoding', async () => {
    const flow = await loginFlow({ protocol: { maxResponseBytes: 1024 } });

    await expectRefused(flow.verify(), 'saml:too-large', /larger than 1024 bytes/);
  });

  it('when the Response contains an unexpected element, then it is refused', async () => {
    const flow = await loginFlow(ASSERTION_ONLY);
    const extra = edit(flow.answer.xml, '<samlp:Status>', '<saml:Subject/><samlp:Status>');

    await expectRefused(flow.verify(encodeResponse(extra)), 'saml:structure', /unexpected <saml:Subject>/);
  });

  it('when the verified response is decoded, then it is the same XML the IdP signed (sanity of the helpers)', async () => {
    const flow = await loginFlow();
    expect(decodeResponse(flow.answer.samlResponse)).toBe(flow.answer.xml);
    expect(
      signXml(stripSignatures(flow.answer.xml), {
        privateKeyPem: keys.idpKey,
        certPem: keys.idpCert,
        target: 'response',
      }),
    ).toContain('<ds:Signature');
  });
});
