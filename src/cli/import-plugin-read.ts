// Reads the SSO plugin's configuration: its XML file (`plugins/configurations/SSO-Auth.xml`, written by .NET's
// XmlSerializer) or its JSON form (the body of Jellyfin's `GET /Plugins/{id}/Configuration`). Both become
// the same entries: each provider's fields as JSON-shaped values, for import-plugin.ts to check and map.
// The XML is parsed with the SAML code's hardening: no DTD or entity, any parser warning refuses the file.
import { isRecord } from '../sso/basics.js';
import type { ProtocolName } from '../sso/provider-settings.js';
import {
  NS,
  attrNS,
  childElements,
  parseStrict,
  refuseMarkupDeclarations,
  textContent,
  type XmlElement,
} from '../protocols/saml-xml.js';
import { fieldSpec, type FieldKind } from './import-plugin-fields.js';

export interface PluginField {
  /** The name as the file writes it. */
  name: string;
  /** JSON-shaped: boolean, number, string, string[], [{Role, Folders}], {name: id}; null for nil. */
  value: unknown;
  /** Where it is, for messages: provider, element or key, and the line when known. */
  where: string;
}

export interface PluginEntry {
  protocol: ProtocolName;
  name: string;
  fields: PluginField[];
}

export interface PluginFile {
  format: 'xml' | 'json';
  entries: PluginEntry[];
  /** Top-level elements or keys other than the two provider dictionaries. */
  ignored: string[];
}

/** The file cannot be read; the message names the element or key (and line) at fault. */
export class PluginFileError extends Error {}

const PROVIDER_SETS: Record<string, ProtocolName> = { oidconfigs: 'oidc', samlconfigs: 'saml' };

export function readPluginFile(text: string): PluginFile {
  const body = text.replace(/^\uFEFF/, '').trimStart();
  return body.startsWith('<') ? readPluginXml(body) : readPluginJson(body);
}

// ---------------------------------------------------------------------------------------------------------
// XML

function parseXml(text: string): XmlElement {
  try {
    refuseMarkupDeclarations(text);
    const root = parseStrict(text, { lineNumbers: true }).documentElement;
    if (root === null) throw new Error('no root element');
    return root;
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    const what =
      error instanceof Error && /DOCTYPE/.test(error.message)
        ? 'has a DOCTYPE or entity'
        : 'is not well-formed XML';
    throw new PluginFileError(`the file ${what}${cause}`);
  }
}

/** ` (line N)` when xmldom recorded where the element starts. */
function lineOf(element: XmlElement): string {
  const line: unknown = Reflect.get(element, 'lineNumber');
  return typeof line === 'number' ? ` (line ${line})` : '';
}

function at(element: XmlElement, context = ''): string {
  return `${context}<${element.localName ?? element.nodeName}>${lineOf(element)}`;
}

function isNil(element: XmlElement): boolean {
  return attrNS(element, NS.xsi, 'nil') === 'true';
}

/** The one child element named `name`; the error names the parent. */
function child(element: XmlElement, name: string, context: string): XmlElement {
  const found = childElements(element).filter((candidate) => candidate.localName === name);
  if (found.length !== 1 || found[0] === undefined) {
    throw new PluginFileError(`${at(element, context)} must hold exactly one <${name}>`);
  }
  return found[0];
}

function onlyChild(element: XmlElement, context: string): XmlElement {
  const [first, ...rest] = childElements(element);
  if (first === undefined || rest.length > 0) {
    throw new PluginFileError(`${at(element, context)} must hold exactly one element`);
  }
  return first;
}

/** `<item><key><string>name</string></key><value>…</value></item>`: the plugin's SerializableDictionary. */
function dictionaryItem(item: XmlElement, context: string): { key: string; value: XmlElement } {
  if (item.localName !== 'item') throw new PluginFileError(`${at(item, context)}: expected <item>`);
  const key = textContent(child(child(item, 'key', context), 'string', context));
  return { key, value: child(item, 'value', context) };
}

function readPluginXml(text: string): PluginFile {
  const root = parseXml(text);
  if (root.localName !== 'PluginConfiguration') {
    throw new PluginFileError(`${at(root)}: the root element must be <PluginConfiguration>`);
  }
  const entries: PluginEntry[] = [];
  const ignored: string[] = [];
  for (const set of childElements(root)) {
    const protocol = PROVIDER_SETS[(set.localName ?? '').toLowerCase()];
    if (protocol === undefined) ignored.push(set.localName ?? set.nodeName);
    else
      for (const item of childElements(set)) entries.push(readXmlEntry(protocol, item, `${set.localName} `));
  }
  return { format: 'xml', entries, ignored };
}

function readXmlEntry(protocol: ProtocolName, item: XmlElement, context: string): PluginEntry {
  const { key: name, value } = dictionaryItem(item, context);
  const where = `${context}"${name}" `;
  const config = onlyChild(value, where);
  return {
    protocol,
    name,
    fields: childElements(config).map((element) => readXmlField(protocol, element, where)),
  };
}

function readXmlField(protocol: ProtocolName, element: XmlElement, context: string): PluginField {
  const name = element.localName ?? element.nodeName;
  const where = at(element, context);
  if (isNil(element)) return { name, value: null, where };
  const spec = fieldSpec(protocol, name);
  // An unknown field is kept as its text, for the report to name.
  return {
    name,
    value: spec === undefined ? textContent(element).trim() : xmlValue(spec.kind, element, where),
    where,
  };
}

function xmlValue(kind: FieldKind, element: XmlElement, where: string): unknown {
  const text = textContent(element).trim();
  switch (kind) {
    case 'bool':
    case 'nullableBool':
      // xsd:boolean, as XmlSerializer reads it.
      if (['true', '1'].includes(text)) return true;
      if (['false', '0'].includes(text)) return false;
      throw new PluginFileError(`${where}: must be true or false, not "${text.slice(0, 40)}"`);
    case 'int':
      if (!/^[+-]?\d{1,9}$/.test(text)) throw new PluginFileError(`${where}: must be a whole number`);
      return Number(text);
    case 'text':
      return textContent(element);
    case 'list':
      return childElements(element).map((entry) => textContent(entry));
    case 'folderRoles':
      return childElements(element).map((map) => folderRoleMap(map, where));
    case 'links':
      return canonicalLinks(element, where);
  }
}

function folderRoleMap(map: XmlElement, context: string): { Role: string; Folders: string[] } {
  const folders = childElements(map).find((candidate) => candidate.localName === 'Folders');
  return {
    Role: textContent(child(map, 'Role', context)),
    Folders:
      folders === undefined || isNil(folders) ? [] : childElements(folders).map((id) => textContent(id)),
  };
}

function canonicalLinks(element: XmlElement, context: string): Record<string, string> {
  const links: Record<string, string> = {};
  for (const item of childElements(element)) {
    const { key, value } = dictionaryItem(item, context);
    Object.defineProperty(links, key, {
      value: textContent(onlyChild(value, context)).trim(),
      enumerable: true,
    });
  }
  return links;
}

// ---------------------------------------------------------------------------------------------------------
// JSON

function readPluginJson(text: string): PluginFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PluginFileError(`the file is neither XML nor JSON: ${reason}`);
  }
  if (!isRecord(parsed))
    throw new PluginFileError('the JSON must be an object holding OidConfigs and SamlConfigs');
  const entries: PluginEntry[] = [];
  const ignored: string[] = [];
  for (const [key, set] of Object.entries(parsed)) {
    const protocol = PROVIDER_SETS[key.toLowerCase()];
    if (protocol === undefined) ignored.push(key);
    else entries.push(...readJsonSet(protocol, key, set));
  }
  return { format: 'json', entries, ignored };
}

function readJsonSet(protocol: ProtocolName, key: string, set: unknown): PluginEntry[] {
  if (set === null) return [];
  if (!isRecord(set)) throw new PluginFileError(`${key}: must be an object of provider name to settings`);
  return Object.entries(set).map(([name, config]) => {
    const where = `${key} "${name}"`;
    if (!isRecord(config)) throw new PluginFileError(`${where}: must be an object of settings`);
    const fields = Object.entries(config).map(([field, value]) => ({
      name: field,
      value,
      where: `${where} ${field}`,
    }));
    return { protocol, name, fields };
  });
}
