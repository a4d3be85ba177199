// The pure XML helpers of src/protocols/saml-xml.ts: text reading that a comment cannot truncate
// (CVE-2017-11428 class), markup-declaration refusal, strict base64 and strict parsing.

import { describe, expect, it } from 'vitest';

import {
  decodeBase64Xml,
  parseStrict,
  refuseMarkupDeclarations,
  SamlCheckError,
  textContent,
} from '../../src/protocols/saml-xml.js';

describe('SAML XML helpers', () => {
  it('when a comment splits an element text, then textContent returns all of it', () => {
    const doc = parseStrict('<NameID>admin<!---->@evil.com<![CDATA[.x]]></NameID>');

    expect(textContent(doc.documentElement!)).toBe('admin@evil.com.x');
  });

  it('when the text has a DOCTYPE, ENTITY or other markup declaration, then it is refused; comments and CDATA are not', () => {
    for (const xml of [
      '<!DOCTYPE a><a/>',
      '<a><!ENTITY x "y"></a>',
      '<a><!ATTLIST a b CDATA #IMPLIED></a>',
    ]) {
      expect(() => refuseMarkupDeclarations(xml)).toThrow(SamlCheckError);
    }
    expect(() => refuseMarkupDeclarations('<a><!-- c --><![CDATA[x]]></a>')).not.toThrow();
  });

  it('when base64 has invalid characters or bad padding, then it is refused instead of decoded loosely', () => {
    expect(() => decodeBase64Xml('PGEvPg=', 1024)).toThrow(/not valid base64/);
    expect(() => decodeBase64Xml('PGEv*Pg==', 1024)).toThrow(/not valid base64/);
    expect(decodeBase64Xml('PGEv\r\nPg==', 1024)).toBe('<a/>');
  });

  it('when xmldom would repair malformed XML, then parseStrict refuses it', () => {
    for (const xml of ['<a><b></a>', '<a/><b/>', '<a x="1" x="2"/>', '<a>&unknown;</a>', '']) {
      expect(() => parseStrict(xml)).toThrow(/not well-formed/);
    }
  });
});
