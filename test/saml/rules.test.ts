// The rule catalogue of SAML refusals (src/protocols/saml-rules.ts): every rule is thrown by some check, each
// carries one plain sentence for the admin, the checks not pinned elsewhere name their rule, and the public
// answer of a refusal names neither the rule nor any XML.

import { readFileSync, readdirSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { problemFor } from '../../src/http/errors.js';
import { SAML_RULES } from '../../src/protocols/saml-rules.js';
import { edit, encodeResponse, SIG } from '../support/saml-idp.js';
import { expectRefused, loginFlow } from './harness.js';

const PROTOCOLS = new URL('../../src/protocols/', import.meta.url);

describe('SAML rule catalogue', () => {
  it('when the checks are read, then every catalogued rule is thrown by at least one of them', () => {
    const sources = readdirSync(PROTOCOLS)
      .filter((name) => name.startsWith('saml') && name !== 'saml-rules.ts')
      .map((name) => readFileSync(new URL(name, PROTOCOLS), 'utf8'))
      .join('\n');
    const unused = Object.keys(SAML_RULES).filter((id) => !sources.includes(`'${id}'`));
    expect(unused).toEqual([]);
  });

  it('when a rule is listed, then its id is stable in shape and its advice is one sentence without markup', () => {
    for (const [id, { check, fix }] of Object.entries(SAML_RULES)) {
      expect(id).toMatch(/^saml\.[a-z0-9]+(_[a-z0-9]+)*$/);
      expect(check).toMatch(/^saml:[a-z-]+$/);
      expect(fix).not.toMatch(/[<>]/);
      expect(fix.length).toBeLessThan(240);
    }
  });
});

describe('SAML refusals name their rule', () => {
  it('when SignedInfo uses inclusive canonicalization, then it is refused as not exclusive c14n', async () => {
    const flow = await loginFlow();
    const inclusive = edit(
      flow.answer.xml,
      `<ds:CanonicalizationMethod Algorithm="${SIG.excC14n}"/>`,
      `<ds:CanonicalizationMethod Algorithm="${SIG.c14n}"/>`,
    );

    const error = await expectRefused(
      flow.verify(encodeResponse(inclusive)),
      'saml:algorithm',
      /canonicalization method .*only exclusive/,
      'saml.c14n_not_exclusive',
    );
    expect(error.rule?.fixAtIdp).toMatch(/canonicalization/i);
  });

  it('when the signature method is weak but not SHA-1, then it is refused as a refused method', async () => {
    const flow = await loginFlow();
    const md5 = edit(
      flow.answer.xml,
      `Algorithm="${SIG.rsaSha256}"`,
      'Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-md5"',
    );

    await expectRefused(
      flow.verify(encodeResponse(md5)),
      'saml:algorithm',
      /rsa-md5.*not accepted/,
      'saml.signature_method_refused',
    );
  });

  it('when a refusal reaches a stranger, then the problem names neither the rule, its advice nor any XML', async () => {
    const flow = await loginFlow({ values: { destination: null } });
    const error = await expectRefused(
      flow.verify(),
      'saml:destination',
      /no Destination/,
      'saml.destination_missing',
    );

    const stranger = JSON.stringify(problemFor(error, 'req-1', false));
    expect(stranger).not.toContain('saml.');
    expect(stranger).not.toContain('saml:');
    expect(stranger).not.toContain(error.rule?.fixAtIdp ?? 'missing advice');
    expect(stranger).not.toMatch(/[<>]|Destination/);
    // The rule is for the admin: an elevated caller gets the message, the log gets the rule.
    expect(JSON.stringify(problemFor(error, 'req-1', true))).toContain('Destination');
  });
});
