// Reading SSO_PROVIDERS_FILE: the YAML text into the providers it declares and the `prune` switch. Only the
// file's outline is checked here (sections, names, one map per provider); each provider's fields are
// checked by the code `Add` uses (validate.ts).
import { readFileSync } from 'node:fs';
import { CORE_SCHEMA, load as loadYaml, YAMLException } from 'js-yaml';
import { isRecord } from '../sso/basics.js';
import type { ProtocolName } from '../sso/provider-settings.js';

/** One provider as the file declares it: its fields still as written. */
export interface DeclaredProvider {
  protocol: ProtocolName;
  name: string;
  fields: Record<string, unknown>;
}

export interface ProvidersFileContent {
  /** Delete the providers the file does not declare (off unless the file says `prune: true`). */
  prune: boolean;
  providers: DeclaredProvider[];
}

/** A problem found in the file: where (the provider, the field) and what. Rendered by problems.ts. */
export interface FileProblem {
  provider?: { protocol: ProtocolName; name: string };
  field?: string;
  message: string;
}

export type ReadResult = { ok: true; content: ProvidersFileContent } | { ok: false; problems: FileProblem[] };

const SECTIONS: readonly ProtocolName[] = ['oidc', 'saml'];
const TOP_LEVEL_KEYS = new Set(['prune', ...SECTIONS]);

export function readProvidersFile(path: string): ReadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { ok: false, problems: [{ message: `cannot be read (${errorCode(error)})` }] };
  }
  let document: unknown;
  try {
    // The core schema: YAML 1.2 values only (no dates or other implicit types that settings never hold).
    document = loadYaml(text, { schema: CORE_SCHEMA, filename: path });
  } catch (error) {
    if (!(error instanceof YAMLException)) throw error;
    return {
      ok: false,
      problems: [{ message: `is not valid YAML: ${error.reason} (line ${error.mark.line + 1})` }],
    };
  }
  return outline(document ?? {});
}

/** The top level: `prune` and the `oidc:` / `saml:` maps of provider name → fields. */
function outline(document: unknown): ReadResult {
  if (!isRecord(document)) {
    return { ok: false, problems: [{ message: 'must be a map with oidc:, saml: and prune:' }] };
  }
  const problems: FileProblem[] = [];
  for (const key of Object.keys(document)) {
    if (!TOP_LEVEL_KEYS.has(key)) {
      problems.push({ field: key, message: 'is not a known key (oidc, saml, prune)' });
    }
  }
  const prune = document['prune'] ?? false;
  if (typeof prune !== 'boolean') problems.push({ field: 'prune', message: 'must be true or false' });
  const providers = SECTIONS.flatMap((protocol) => section(protocol, document[protocol], problems));
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, content: { prune: prune === true, providers } };
}

function section(protocol: ProtocolName, value: unknown, problems: FileProblem[]): DeclaredProvider[] {
  if (value === undefined || value === null) return [];
  if (!isRecord(value)) {
    problems.push({ field: protocol, message: 'must be a map of provider name → settings' });
    return [];
  }
  return Object.entries(value).flatMap(([name, fields]) => {
    if (isRecord(fields)) return [{ protocol, name, fields }];
    problems.push({ provider: { protocol, name }, message: 'must be a map of settings' });
    return [];
  });
}

/** The system error code of a failed read (`ENOENT`, `EACCES`…): says why without the error's text. */
export function errorCode(error: unknown): string {
  return isRecord(error) && typeof error['code'] === 'string' ? error['code'] : 'unreadable';
}
