// SAML XML plumbing for the SAML modules: strict decoding of a posted SAMLResponse (base64, UTF-8, no DTD),
// a strict xmldom parser, the small DOM subset the SAML code uses, and namespace-aware helpers.
//
// xmldom and xml-crypto are loaded with createRequire and typed here with local structural types: their own
// .d.ts files pull `lib.dom` into the whole program (`/// <reference lib="dom" />`), which would change the
// globals every other file of the project type-checks against.

import { createRequire } from 'node:module';

import { SAML_RULES, type SamlRuleId } from './saml-rules.js';

// ---------------------------------------------------------------------------------------------------------
// Namespaces and URIs (SAML Core §1.2, XMLDSig §6)

export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  xmlns: 'http://www.w3.org/2000/xmlns/',
  xml: 'http://www.w3.org/XML/1998/namespace',
} as const;

// ---------------------------------------------------------------------------------------------------------
// The DOM subset of @xmldom/xmldom 0.8 that this code touches.

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

export interface XmlAttr {
  readonly name: string;
  readonly localName: string | null;
  readonly prefix: string | null;
  readonly namespaceURI: string | null | undefined;
  readonly value: string;
}

export interface XmlNode {
  readonly nodeType: number;
  readonly nodeName: string;
  readonly localName: string | null;
  readonly prefix: string | null;
  readonly namespaceURI: string | null | undefined;
  readonly parentNode: XmlNode | null;
  readonly childNodes: { readonly length: number; item(index: number): XmlNode | null };
  /** Text, CDATA and comment nodes. */
  readonly data?: string;
  toString(): string;
}

export interface XmlElement extends XmlNode {
  readonly attributes: { readonly length: number; item(index: number): XmlAttr | null };
}

export interface XmlDocument extends XmlNode {
  readonly documentElement: XmlElement | null;
}

interface XmldomModule {
  DOMParser: new (options: { errorHandler: (level: string, message: string) => void; locator?: object }) => {
    parseFromString(source: string, mimeType: string): XmlDocument | undefined;
  };
}

const require = createRequire(import.meta.url);
const xmldom = require('@xmldom/xmldom') as XmldomModule;

// ---------------------------------------------------------------------------------------------------------
// Decoding and parsing

/** Thrown by the SAML checks; saml.ts turns it into an SsoError naming the rule. */
export class SamlCheckError extends Error {
  /** The check family the rule belongs to, e.g. `saml:audience` (the SsoError's detail). */
  readonly reason: string;

  constructor(
    /** The stable id of the structural rule the response broke (saml-rules.ts). */
    readonly rule: SamlRuleId,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SamlCheckError';
    this.reason = SAML_RULES[rule].check;
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes the `SAMLResponse` form field: standard base64 (SAML Bindings §3.5.4; line breaks tolerated),
 * then strict UTF-8. Anything else is refused rather than guessed. Without `maxBytes` the size is bounded
 * only by the HTTP body limit that carried the form.
 */
export function decodeBase64Xml(encoded: string, maxBytes?: number): string {
  const compact = encoded.replace(/[\r\n\t ]+/g, '');
  if (compact.length === 0) {
    throw new SamlCheckError('saml.encoding', 'The SAML response is empty.');
  }
  if (maxBytes !== undefined && compact.length > Math.ceil((maxBytes * 4) / 3) + 4) {
    throw new SamlCheckError('saml.too_large', `The SAML response is larger than ${maxBytes} bytes.`);
  }
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new SamlCheckError('saml.encoding', 'The SAML response is not valid base64.');
  }
  const bytes = Buffer.from(compact, 'base64');
  try {
    return utf8.decode(bytes);
  } catch (cause) {
    throw new SamlCheckError('saml.encoding', 'The SAML response is not UTF-8 text.', { cause });
  }
}

/**
 * Refuses any markup declaration: a DOCTYPE, and with it every ENTITY / ELEMENT / ATTLIST / NOTATION, can only
 * start with `<!` not followed by `--` (comment) or `[CDATA[`. This runs on the raw text before any parser sees
 * it, in linear time, so entity-expansion bombs ("billion laughs") and external entities never get a chance
 * (SAML V2.0 Security and Privacy Considerations: XML processing; no SAML message needs a DTD).
 * A `<!DOCTYPE` that appears inside a comment or CDATA section is refused too: no SAML message needs one.
 */
export function refuseMarkupDeclarations(xml: string): void {
  if (/<!(?!--|\[CDATA\[)/.test(xml)) {
    throw new SamlCheckError(
      'saml.dtd',
      'The SAML response contains a DOCTYPE or entity declaration, which is not allowed.',
    );
  }
}

/**
 * Parses with xmldom and refuses the document on any warning or error (xmldom otherwise repairs malformed input
 * silently: duplicate attributes, unclosed elements, unknown entities, several roots). Also refuses elements
 * and attributes whose prefix is not declared, which xmldom accepts with no namespace.
 */
export function parseStrict(xml: string, options: { lineNumbers?: boolean } = {}): XmlDocument {
  const problems: string[] = [];
  // With a locator xmldom records each node's `lineNumber`, for messages that point into a file.
  const parser = new xmldom.DOMParser({
    errorHandler: (_level, message) => problems.push(message),
    ...(options.lineNumbers === true ? { locator: {} } : {}),
  });
  let doc: XmlDocument | undefined;
  try {
    doc = parser.parseFromString(xml, 'text/xml');
  } catch (cause) {
    throw new SamlCheckError('saml.xml', 'The SAML response is not well-formed XML.', { cause });
  }
  if (problems.length > 0 || doc === undefined || doc.documentElement === null) {
    throw new SamlCheckError('saml.xml', 'The SAML response is not well-formed XML.', {
      cause: new Error(problems.join('; ').slice(0, 500)),
    });
  }
  return doc;
}

// ---------------------------------------------------------------------------------------------------------
// Namespace-aware navigation

export function isElement(node: XmlNode | null): node is XmlElement {
  return node !== null && node.nodeType === ELEMENT_NODE;
}

export function is(node: XmlNode | null, ns: string, localName: string): boolean {
  return isElement(node) && node.localName === localName && node.namespaceURI === ns;
}

export function childElements(node: XmlNode): XmlElement[] {
  const out: XmlElement[] = [];
  for (let i = 0; i < node.childNodes.length; i += 1) {
    const child = node.childNodes.item(i);
    if (isElement(child)) out.push(child);
  }
  return out;
}

export function children(node: XmlNode, ns: string, localName: string): XmlElement[] {
  return childElements(node).filter((child) => is(child, ns, localName));
}

/** All descendant elements (not the node itself), document order, iterative (no recursion-depth limit). */
export function descendantElements(root: XmlNode): XmlElement[] {
  const out: XmlElement[] = [];
  const stack: XmlNode[] = [];
  for (let i = root.childNodes.length - 1; i >= 0; i -= 1) {
    const child = root.childNodes.item(i);
    if (child !== null) stack.push(child);
  }
  while (stack.length > 0) {
    const node = stack.pop() as XmlNode;
    if (!isElement(node)) continue;
    out.push(node);
    for (let i = node.childNodes.length - 1; i >= 0; i -= 1) {
      const child = node.childNodes.item(i);
      if (child !== null) stack.push(child);
    }
  }
  return out;
}

export function attributes(element: XmlElement): XmlAttr[] {
  const out: XmlAttr[] = [];
  for (let i = 0; i < element.attributes.length; i += 1) {
    const attr = element.attributes.item(i);
    if (attr !== null) out.push(attr);
  }
  return out;
}

/** An unqualified attribute (SAML attributes have no namespace); null when absent. */
export function attr(element: XmlElement, name: string): string | null {
  for (const a of attributes(element)) {
    if (
      a.localName === name &&
      (a.namespaceURI === null || a.namespaceURI === undefined || a.namespaceURI === '')
    ) {
      return a.value;
    }
  }
  return null;
}

/** A namespace-qualified attribute (e.g. `xsi:nil`); null when absent. */
export function attrNS(element: XmlElement, ns: string, name: string): string | null {
  for (const a of attributes(element)) {
    if (a.localName === name && a.namespaceURI === ns) return a.value;
  }
  return null;
}

/**
 * The full character content of an element: every text and CDATA node below it, in document order, comments
 * skipped. Reading only the first text node would let `admin<!---->@evil.com` read as `admin` (the comment is
 * invisible to the signature: XMLDSig same-document references are canonicalised without comments).
 */
export function textContent(element: XmlNode): string {
  let out = '';
  const stack: XmlNode[] = [element];
  // Iterative walk; the root is an element by contract.
  while (stack.length > 0) {
    const node = stack.pop() as XmlNode;
    if (node.nodeType === TEXT_NODE || node.nodeType === CDATA_SECTION_NODE) {
      out += node.data ?? '';
      continue;
    }
    if (!isElement(node)) continue; // comments and processing instructions carry no text, and no children
    for (let i = node.childNodes.length - 1; i >= 0; i -= 1) {
      const child = node.childNodes.item(i);
      if (child !== null) stack.push(child);
    }
  }
  return out;
}

/** True when the element has character data (other than white space) directly inside it. */
export function hasDirectText(element: XmlNode): boolean {
  for (let i = 0; i < element.childNodes.length; i += 1) {
    const child = element.childNodes.item(i);
    if (child === null) continue;
    if (
      (child.nodeType === TEXT_NODE || child.nodeType === CDATA_SECTION_NODE) &&
      /\S/.test(child.data ?? '')
    ) {
      return true;
    }
  }
  return false;
}

/**
 * A value from the posted document as it may appear in an error message: control characters replaced and cut
 * to 120 characters, so a hostile response cannot flood logs or pages. (Pages still escape what they echo.)
 */
export function shown(value: string | null | undefined): string {
  const clean = (value ?? '').replace(/\p{Cc}/gu, '?');
  return clean.length > 120 ? `${clean.slice(0, 120)}…` : clean;
}

export function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
