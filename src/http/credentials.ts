// Reads the caller's token exactly as Jellyfin does (docs/jellyfin-api.md §1.1, docs/plugin-compatibility.md §2.2):
// `Authorization: MediaBrowser …` (or `Emby`), then `X-Emby-Authorization`, then the bare-token headers,
// then the `ApiKey` and `api_key` query parameters.

export interface AuthorizationFields {
  Token?: string;
  Client?: string;
  Device?: string;
  DeviceId?: string;
  Version?: string;
}

const SCHEME = /^\s*(MediaBrowser|Emby)\s+(.*)$/is;

/**
 * Parses `MediaBrowser Key="value", Key2=value2`. Keys are case-sensitive; values may be quoted or bare,
 * commas inside quotes are fine, and each value is URL-decoded (as `WebUtility.UrlDecode`: `+` is a space).
 * Returns null when the header is not of the MediaBrowser/Emby scheme.
 */
export function parseAuthorizationHeader(header: string | undefined): AuthorizationFields | null {
  if (header === undefined) return null;
  const match = SCHEME.exec(header);
  if (match === null) return null;
  const rest = match[2] ?? '';
  const fields: Record<string, string> = {};
  let i = 0;
  while (i < rest.length) {
    while (i < rest.length && (rest[i] === ',' || rest[i] === ' ' || rest[i] === '\t')) i++;
    const eq = rest.indexOf('=', i);
    if (eq === -1) break;
    const key = rest.slice(i, eq).trim();
    i = eq + 1;
    let value: string;
    if (rest[i] === '"') {
      const close = rest.indexOf('"', i + 1);
      value = close === -1 ? rest.slice(i + 1) : rest.slice(i + 1, close);
      i = close === -1 ? rest.length : close + 1;
    } else {
      const comma = rest.indexOf(',', i);
      value = (comma === -1 ? rest.slice(i) : rest.slice(i, comma)).trim();
      i = comma === -1 ? rest.length : comma + 1;
    }
    if (key !== '' && !(key in fields)) fields[key] = urlDecode(value);
  }
  const out: AuthorizationFields = {};
  for (const key of ['Token', 'Client', 'Device', 'DeviceId', 'Version'] as const) {
    const value = fields[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function urlDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

export interface CredentialSources {
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
}

function header(headers: CredentialSources['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function queryValue(query: Record<string, unknown>, name: string): string | undefined {
  // Query keys are case-insensitive in Jellyfin (ASP.NET binding).
  for (const [key, value] of Object.entries(query)) {
    if (key.toLowerCase() === name.toLowerCase()) {
      const first: unknown = Array.isArray(value) ? value[0] : value;
      return typeof first === 'string' ? first : undefined;
    }
  }
  return undefined;
}

/** The token of the request, or null when it carries none. Empty values count as absent. */
export function readToken({ headers, query }: CredentialSources): string | null {
  const candidates = [
    parseAuthorizationHeader(header(headers, 'authorization'))?.Token,
    parseAuthorizationHeader(header(headers, 'x-emby-authorization'))?.Token,
    header(headers, 'x-emby-token'),
    header(headers, 'x-mediabrowser-token'),
    queryValue(query, 'ApiKey'),
    queryValue(query, 'api_key'),
  ];
  for (const candidate of candidates) {
    const token = candidate?.trim();
    if (token !== undefined && token !== '') return token;
  }
  return null;
}
