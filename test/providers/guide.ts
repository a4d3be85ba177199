// Reads a provider guide (docs/providers/<file>.md) the way an admin uses it: the first ```json block after
// the "## Provider JSON" heading, the provider name from its `curl … /sso/OID/Add/<name>` line, and the
// documented placeholders replaced by the test's values. Nothing else in the JSON is changed.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const GUIDES_DIR = fileURLToPath(new URL('../../docs/providers/', import.meta.url));

/** The service's public URL in every guide (the admin's Jellyfin origin). */
export const GUIDE_PUBLIC_URL = 'https://jellyfin.example.com';
/** Placeholders an admin replaces; the only text the test replaces besides the IdP origin. */
export const CLIENT_ID_PLACEHOLDER = '<client id>';
export const CLIENT_SECRET_PLACEHOLDER = '<client secret>';

export interface Guide {
  file: string;
  text: string;
  /** The provider name of the `Add` call. */
  name: string;
  /** The JSON block as written, placeholders included. */
  json: string;
}

/** The guide, with the JSON under `## <heading>` (default "Provider JSON"; a guide may add variants). */
export function readGuide(file: string, heading = 'Provider JSON'): Guide {
  const text = readFileSync(`${GUIDES_DIR}${file}`, 'utf8');
  const escaped = heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const section = text.split(new RegExp(`^## ${escaped}\\s*$`, 'm'))[1];
  if (section === undefined) throw new Error(`${file}: no "## ${heading}" heading`);
  const json = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (json === undefined) throw new Error(`${file}: no \`\`\`json block after "## ${heading}"`);
  const name = /curl [^\n]*\/sso\/OID\/Add\/([A-Za-z0-9_-]+)/.exec(section)?.[1];
  if (name === undefined) throw new Error(`${file}: no curl line calling /sso/OID/Add/<name>`);
  return { file, text, name, json };
}

export interface Substitutions {
  /** The IdP origin the guide uses (e.g. `https://auth.example.com`) and the test IdP's origin. */
  idpOrigin: [string, string];
  clientId?: string;
  clientSecret: string;
}

/** The provider JSON with the placeholders replaced; refuses a guide that leaves another `<…>` in it. */
export function providerJson(guide: Guide, values: Substitutions): Record<string, unknown> {
  let text = guide.json.split(CLIENT_SECRET_PLACEHOLDER).join(values.clientSecret);
  if (values.clientId !== undefined) text = text.split(CLIENT_ID_PLACEHOLDER).join(values.clientId);
  text = text.split(values.idpOrigin[0]).join(values.idpOrigin[1]);
  const leftover = /<[^<>"]*>/.exec(text);
  if (leftover)
    throw new Error(`${guide.file}: undocumented placeholder ${leftover[0]} in the provider JSON`);
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${guide.file}: the provider JSON is not an object`);
  }
  return Object.fromEntries(Object.entries(parsed));
}
