// Secrets in the providers file are references, never values: `<field>File` names a file (a container or
// systemd secret) and `<field>Env` an environment variable, read each time the file is applied. An inline
// secret is refused, so the file can be kept in git and shown in logs and reviews.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ProtocolName } from '../sso/provider-settings.js';
import { errorCode, type FileProblem } from './read.js';

/** The write-only fields of each protocol's `Add` body: the ones only a reference may fill. */
export const SECRET_FIELDS: Record<ProtocolName, readonly string[]> = {
  oidc: ['oidSecret'],
  saml: ['samlSpSigningKey'],
};

export interface SecretSources {
  env: Record<string, string | undefined>;
  /** Relative secret file paths are read from here (the providers file's folder). */
  baseDir: string;
}

/**
 * The fields with each secret reference replaced by the secret it names (keys matched in any letter case,
 * as `Add` reads them). Problems name the reference field; never the secret.
 */
export function resolveSecrets(
  protocol: ProtocolName,
  fields: Record<string, unknown>,
  sources: SecretSources,
  problems: FileProblem[],
): Record<string, unknown> {
  const resolved: Record<string, unknown> = {};
  const references = new Map<string, string>();
  for (const field of SECRET_FIELDS[protocol]) {
    for (const suffix of ['File', 'Env']) references.set(`${field}${suffix}`.toLowerCase(), field);
  }
  const inline = new Set(SECRET_FIELDS[protocol].map((field) => field.toLowerCase()));
  for (const [key, value] of Object.entries(fields)) {
    const lower = key.toLowerCase();
    const secretField = references.get(lower);
    if (inline.has(lower)) {
      problems.push({
        field: key,
        message: `a secret is never written in the file: use ${key}File (a path) or ${key}Env (a variable name)`,
      });
    } else if (secretField === undefined) {
      Object.defineProperty(resolved, key, { value, enumerable: true, writable: true, configurable: true });
    } else {
      const secret = readReference(key, value, sources, problems);
      if (secret !== null) resolved[secretField] = secret;
    }
  }
  return resolved;
}

/** The secret a reference names, trimmed; null (and a problem) when it cannot be read or is empty. */
function readReference(
  key: string,
  reference: unknown,
  { env, baseDir }: SecretSources,
  problems: FileProblem[],
): string | null {
  if (typeof reference !== 'string' || reference.trim() === '') {
    problems.push({ field: key, message: 'must be a non-empty text' });
    return null;
  }
  const fromFile = key.toLowerCase().endsWith('file');
  let secret: string | undefined;
  if (fromFile) {
    const path = isAbsolute(reference) ? reference : resolve(baseDir, reference);
    try {
      secret = readFileSync(path, 'utf8');
    } catch (error) {
      problems.push({ field: key, message: `the secret file ${path} cannot be read (${errorCode(error)})` });
      return null;
    }
  } else {
    secret = env[reference];
    if (secret === undefined) {
      problems.push({ field: key, message: `the environment variable ${reference} is not set` });
      return null;
    }
  }
  // An empty secret would clear the stored one (Add's rule): in a file that is always a mistake.
  if (secret.trim() === '') {
    problems.push({
      field: key,
      message: `the secret ${fromFile ? 'file' : 'variable'} ${reference} is empty`,
    });
    return null;
  }
  return secret.trim();
}
