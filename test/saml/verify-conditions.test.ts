// SamlProtocol.verify, validly signed responses that must still be refused: wrong status, issuer, audience,
// recipient, destination, InResponseTo, or outside their validity window (SAML Core §2.5.1,
// §3.2.2; SAML Profiles §4.1.4.2–4.1.4.3; SAML Bindings §3.5.5.2). The IdP signs every one of them.

import { describe, expect, it } from 'vitest';

import { edit, encodeResponse, stripSignatures, URN } from '../support/saml-idp.js';
import {
  ACS_URL,
  DEFAULT_USER,
  NOW,
  SP_ENTITY_ID,
  expectRefused,
  loginFlow,
  secondsFrom,
} from './harness.js';

const ASSERTION_ONLY = { idp: { signResponse: false, signAssertion: true } };

describe('SAML verify: status and issuer', () => {
  it('when the signed response has a non-success status, then it is refused naming the status code', async () => {
    const flow = await loginFlow({ values: { statusCode: URN.responder } });

    await expectRefused(
      flow.verify(),
      'saml:status',
      /status Responder instead of Success/,
      'saml.status_not_success',
    );
  });

  it('when the IdP sends an unsigned error response without assertion, then the status is reported', async () => {
    const flow = await loginFlow({ idp: { signResponse: false, signAssertion: false } });
    const failure = edit(
      edit(flow.answer.xml, /<saml:Assertion[\s\S]*<\/saml:Assertion>/, ''),
      `<samlp:StatusCode Value="${URN.success}"/>`,
      `<samlp:StatusCode Value="${URN.responder}"><samlp:StatusCode Value="${URN.authnFailed}"/></samlp:StatusCode>`,
    );

    await expectRefused(
      flow.verify(encodeResponse(failure)),
      'saml:status',
      /Responder \/ AuthnFailed/,
      'saml.status_not_success',
    );
  });

  it('when the assertion issuer is not the configured IdP entity id, then it is refused', async () => {
    const flow = await loginFlow({ values: { assertionIssuer: 'https://evil-idp.test' } });

    await expectRefused(
      flow.verify(),
      'saml:issuer',
      /Assertion was issued by "https:\/\/evil-idp.test"/,
      'saml.issuer_mismatch',
    );
  });

  it('when the Response issuer is not the configured IdP entity id, then it is refused', async () => {
    const flow = await loginFlow({ values: { responseIssuer: 'https://evil-idp.test' } });

    await expectRefused(
      flow.verify(),
      'saml:issuer',
      /Response was issued by "https:\/\/evil-idp.test"/,
      'saml.issuer_mismatch',
    );
  });
});

describe('SAML verify: audience, recipient, destination', () => {
  it('when the audience is another service provider, then it is refused', async () => {
    const flow = await loginFlow({ values: { audience: 'https://other-sp.test' } });

    await expectRefused(
      flow.verify(),
      'saml:audience',
      /meant for "https:\/\/other-sp.test", not for this service provider/,
      'saml.audience_mismatch',
    );
  });

  it('when one of two audience restrictions excludes us, then it is refused (each restriction must hold)', async () => {
    const flow = await loginFlow();
    const response = flow.resign((xml) =>
      edit(
        xml,
        '</saml:AudienceRestriction>',
        '</saml:AudienceRestriction><saml:AudienceRestriction><saml:Audience>https://other-sp.test</saml:Audience></saml:AudienceRestriction>',
      ),
    );

    await expectRefused(flow.verify(response), 'saml:audience', /other-sp/, 'saml.audience_mismatch');
  });

  it('when an audience restriction lists us among others, then it is accepted', async () => {
    const flow = await loginFlow();
    const response = flow.resign((xml) =>
      edit(
        xml,
        `<saml:Audience>${SP_ENTITY_ID}</saml:Audience>`,
        `<saml:Audience>https://a.test</saml:Audience><saml:Audience>${SP_ENTITY_ID}</saml:Audience>`,
      ),
    );

    await expect(flow.verify(response)).resolves.toMatchObject({ nameId: DEFAULT_USER.nameId });
  });

  it('when the assertion has no AudienceRestriction, then it is refused', async () => {
    const flow = await loginFlow();
    const response = flow.resign((xml) =>
      edit(xml, /<saml:AudienceRestriction>[\s\S]*?<\/saml:AudienceRestriction>/, ''),
    );

    await expectRefused(
      flow.verify(response),
      'saml:audience',
      /no AudienceRestriction/,
      'saml.audience_restriction_missing',
    );
  });

  it('when the conditions hold a condition we do not understand, then it is refused', async () => {
    const flow = await loginFlow();
    const response = flow.resign((xml) =>
      edit(
        xml,
        '</saml:Conditions>',
        '<saml:Condition xsi:type="x:Custom" xmlns:x="urn:x"/></saml:Conditions>',
      ),
    );

    await expectRefused(
      flow.verify(response),
      'saml:conditions',
      /does not understand: <saml:Condition>/,
      'saml.condition_unknown',
    );
  });

  it('when the Recipient is another URL, then it is refused', async () => {
    const flow = await loginFlow({ values: { recipient: 'https://evil.test/sso/SAML/post/corp' } });

    await expectRefused(
      flow.verify(),
      'saml:recipient',
      /Recipient "https:\/\/evil.test\/sso\/SAML\/post\/corp" is not this service's ACS URL/,
      'saml.recipient_mismatch',
    );
  });

  it('when a hostile Recipient is huge, then the message quotes only its start', async () => {
    const flow = await loginFlow({ values: { recipient: `https://evil.test/${'a'.repeat(10_000)}` } });

    const error = await expectRefused(
      flow.verify(),
      'saml:recipient',
      /Recipient "https:\/\/evil.test\/a+…" is not/,
      'saml.recipient_mismatch',
    );
    expect(error.message.length).toBeLessThan(400);
  });

  it('when the Recipient is missing, then it is refused', async () => {
    const flow = await loginFlow({ values: { recipient: null } });
    expect(flow.answer.xml).not.toContain('Recipient=');

    await expectRefused(flow.verify(), 'saml:recipient', /has no Recipient/, 'saml.recipient_missing');
  });

  it('when the signed Response is addressed to another Destination, then it is refused', async () => {
    const flow = await loginFlow({ values: { destination: 'https://evil.test/acs' } });

    await expectRefused(
      flow.verify(),
      'saml:destination',
      /Destination "https:\/\/evil.test\/acs" is not this service's ACS URL/,
      'saml.destination_mismatch',
    );
  });

  it('when only the Assertion is signed and the Response names another Destination, then it is refused', async () => {
    const flow = await loginFlow({ ...ASSERTION_ONLY, values: { destination: 'https://evil.test/acs' } });

    await expectRefused(
      flow.verify(),
      'saml:destination',
      /not this service's ACS URL/,
      'saml.destination_mismatch',
    );
  });

  it('when the signed Response has no Destination, then it is refused', async () => {
    const flow = await loginFlow({ values: { destination: null } });

    await expectRefused(
      flow.verify(),
      'saml:destination',
      /signed Response has no Destination/,
      'saml.destination_missing',
    );
  });

  it('when the ACS URL of this flow differs from the one the IdP answered, then it is refused', async () => {
    const flow = await loginFlow();

    await expectRefused(
      flow.verify(undefined, { acsUrl: ACS_URL.replace('/post/', '/p/') }),
      'saml:destination',
      /not this service's ACS URL/,
      'saml.destination_mismatch',
    );
  });
});

describe('SAML verify: InResponseTo', () => {
  it('when the response answers an unknown request id, then it is refused', async () => {
    const flow = await loginFlow({
      values: { responseInResponseTo: '_unknown', subjectInResponseTo: '_unknown' },
    });

    await expectRefused(
      flow.verify(),
      'saml:in-response-to',
      /answers another authentication request/,
      'saml.in_response_to_mismatch',
    );
  });

  it('when the response answers another outstanding request, then it is refused for this one', async () => {
    const flow = await loginFlow();
    const other = await flow.saml.start(flow.provider, { relayState: 'relay-2', acsUrl: ACS_URL });
    const answerToOther = await flow.idp.respond(other.url, DEFAULT_USER);

    await expect(
      flow.verify(answerToOther.samlResponse, { expectedRequestId: other.requestId }),
    ).resolves.toMatchObject({
      inResponseTo: other.requestId,
    });
    await expectRefused(
      flow.verify(answerToOther.samlResponse),
      'saml:in-response-to',
      /answers another authentication request/,
      'saml.in_response_to_mismatch',
    );
  });

  it('when the signed subject confirmation answers another request and the Response names none, then it is refused', async () => {
    const flow = await loginFlow({
      values: { responseInResponseTo: null, subjectInResponseTo: '_someoneelse' },
    });

    await expectRefused(
      flow.verify(),
      'saml:in-response-to',
      /The assertion answers another authentication request/,
      'saml.in_response_to_mismatch',
    );
  });

  it('when only the unsigned Response InResponseTo is changed, then it is refused', async () => {
    const flow = await loginFlow({ ...ASSERTION_ONLY, values: { responseInResponseTo: '_someoneelse' } });

    await expectRefused(
      flow.verify(),
      'saml:in-response-to',
      /The Response answers another/,
      'saml.in_response_to_mismatch',
    );
  });

  it('when InResponseTo is empty and the caller expects an empty id by mistake, then it is refused', async () => {
    const flow = await loginFlow({ values: { responseInResponseTo: '', subjectInResponseTo: '' } });

    await expectRefused(
      flow.verify(undefined, { expectedRequestId: '' }),
      'saml:in-response-to',
      /No authentication request/,
      'saml.idp_initiated',
    );
  });

  it('when InResponseTo is missing (an unsolicited response), then it is refused', async () => {
    const flow = await loginFlow({ values: { responseInResponseTo: null, subjectInResponseTo: null } });
    expect(flow.answer.xml).not.toContain('InResponseTo=');

    await expectRefused(flow.verify(), 'saml:in-response-to', /unsolicited/, 'saml.idp_initiated');
  });
});

describe('SAML verify: validity window (skew 120 s)', () => {
  it('when the subject confirmation expired more than the skew ago, then it is refused', async () => {
    const flow = await loginFlow({
      values: { subjectNotOnOrAfter: secondsFrom(NOW, -121), conditionsNotOnOrAfter: secondsFrom(NOW, 600) },
    });

    await expectRefused(
      flow.verify(),
      'saml:expired',
      /subject confirmation expired at 2030-01-01T11:57:59.000Z/,
      'saml.expired',
    );
  });

  it('when the subject confirmation expired less than the skew ago, then it is still accepted', async () => {
    const flow = await loginFlow({ values: { subjectNotOnOrAfter: secondsFrom(NOW, -119) } });

    await expect(flow.verify()).resolves.toMatchObject({ notOnOrAfter: new Date(secondsFrom(NOW, 1)) });
  });

  it('when the conditions expired, then it is refused', async () => {
    const flow = await loginFlow({
      values: { conditionsNotOnOrAfter: secondsFrom(NOW, -300), subjectNotOnOrAfter: secondsFrom(NOW, 600) },
    });

    await expectRefused(flow.verify(), 'saml:expired', /Conditions NotOnOrAfter/, 'saml.expired');
  });

  it('when the skew is zero, then the assertion is refused at exactly its NotOnOrAfter', async () => {
    const flow = await loginFlow({
      values: { subjectNotOnOrAfter: NOW.toISOString(), conditionsNotBefore: secondsFrom(NOW, -60) },
      protocol: { clockSkewSeconds: 0 },
    });

    await expectRefused(flow.verify(), 'saml:expired', /subject confirmation expired/, 'saml.expired');
    await expect(flow.verify(undefined, { now: new Date(NOW.getTime() - 1) })).resolves.toBeDefined();
  });

  it('when the conditions are not valid yet beyond the skew, then it is refused', async () => {
    const flow = await loginFlow({ values: { conditionsNotBefore: secondsFrom(NOW, 300) } });

    await expectRefused(
      flow.verify(),
      'saml:not-yet-valid',
      /not valid before 2030-01-01T12:05:00.000Z/,
      'saml.not_yet_valid',
    );
  });

  it('when the conditions start within the skew, then it is accepted', async () => {
    const flow = await loginFlow({ values: { conditionsNotBefore: secondsFrom(NOW, 100) } });

    await expect(flow.verify()).resolves.toBeDefined();
  });

  it('when the subject confirmation has no NotOnOrAfter, then it is refused', async () => {
    const flow = await loginFlow({ values: { subjectNotOnOrAfter: null } });

    await expectRefused(
      flow.verify(),
      'saml:expired',
      /has no NotOnOrAfter/,
      'saml.confirmation_expiry_missing',
    );
  });

  it('when a time is not a valid xs:dateTime, then it is refused', async () => {
    const flow = await loginFlow({ values: { conditionsNotOnOrAfter: 'tomorrow' } });

    await expectRefused(
      flow.verify(),
      'saml:time',
      /NotOnOrAfter "tomorrow" is not a valid date-time/,
      'saml.time_invalid',
    );
  });

  it('when the assertion lacks a bearer subject confirmation, then it is refused', async () => {
    const flow = await loginFlow();
    const response = flow.resign((xml) =>
      edit(xml, URN.bearer, 'urn:oasis:names:tc:SAML:2.0:cm:holder-of-key'),
    );

    await expectRefused(
      flow.verify(response),
      'saml:subject-confirmation',
      /no bearer SubjectConfirmation/,
      'saml.bearer_confirmation_missing',
    );
  });

  it('when the subject uses an EncryptedID instead of a NameID, then it is refused', async () => {
    const flow = await loginFlow();
    const response = flow.resign((xml) =>
      edit(
        xml,
        /<saml:NameID[^>]*>[^<]*<\/saml:NameID>/,
        '<saml:EncryptedID><x:Data xmlns:x="urn:x"/></saml:EncryptedID>',
      ),
    );

    await expectRefused(
      flow.verify(response),
      'saml:subject',
      /only a plain NameID is supported/,
      'saml.subject_shape',
    );
  });

  it('when the unsigned response is re-signed by the test signer unchanged, then it is accepted (control)', async () => {
    const flow = await loginFlow();
    expect(stripSignatures(flow.answer.xml)).not.toContain('Signature');

    await expect(flow.verify(flow.resign((xml) => xml))).resolves.toMatchObject({
      nameId: DEFAULT_USER.nameId,
    });
  });
});
