// Every provider of the file checked as `Add` checks its body, all of them before anything is written: the
// name rule, the contract (input-schema.ts), then the protocol's own settings reader (the connector's
// `parseSettings`, which logins rely on). Every problem is collected; nothing stops at the first.
import { checkProviderName } from '../sso/provider-admin.js';
import { SsoError, type FieldError } from '../sso/errors.js';
import type { Connectors, ParsedProvider } from '../sso/ports.js';
import type { ProtocolName, ProviderInputs } from '../sso/provider-settings.js';
import type { InputSchemas } from './input-schema.js';
import type { DeclaredProvider, FileProblem } from './read.js';
import { resolveSecrets, type SecretSources } from './secrets.js';

/** A provider ready to be written: what its protocol's reader made of the file's fields. */
export interface PlannedProvider {
  protocol: ProtocolName;
  name: string;
  parsed: ParsedProvider;
}

export interface ValidationDeps {
  schemas: InputSchemas;
  connectors: Connectors;
  secrets: SecretSources;
  now: Date;
}

export function validateProviders(
  declared: DeclaredProvider[],
  deps: ValidationDeps,
): { planned: PlannedProvider[]; problems: FileProblem[] } {
  const planned: PlannedProvider[] = [];
  const problems: FileProblem[] = [];
  for (const provider of declared) {
    const own: FileProblem[] = [];
    const parsed = validateOne(provider, deps, own);
    const where = { protocol: provider.protocol, name: provider.name };
    problems.push(...own.map((problem) => ({ ...problem, provider: where })));
    if (parsed !== null && own.length === 0) planned.push({ ...provider, parsed });
  }
  return { planned, problems };
}

function validateOne(
  { protocol, name, fields }: DeclaredProvider,
  deps: ValidationDeps,
  problems: FileProblem[],
): ParsedProvider | null {
  collect(problems, () => checkProviderName(name), 'name');
  const withSecrets = resolveSecrets(protocol, fields, deps.secrets, problems);
  const { body, errors } = deps.schemas.check(protocol, withSecrets);
  problems.push(...errors.map(fromFieldError));
  if (errors.length > 0) return null;
  return collect(problems, () => parseWith(deps.connectors, protocol, body, deps.now));
}

function parseWith<P extends ProtocolName>(
  connectors: Connectors,
  protocol: P,
  body: unknown,
  now: Date,
): ParsedProvider {
  // The contract's schema for this protocol accepted `body` (input-schema.ts); Ajv cannot hand that type back.
  return connectors[protocol].parseSettings(body as ProviderInputs[P], now);
}

/** Runs a check; an SsoError becomes problems naming its fields (or `field`), anything else is a bug. */
function collect<T>(problems: FileProblem[], check: () => T, field?: string): T | null {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof SsoError)) throw error;
    const fieldErrors = error.errors ?? [];
    if (fieldErrors.length === 0)
      problems.push({ ...(field === undefined ? {} : { field }), message: error.message });
    problems.push(
      ...fieldErrors.map((e) => (field === undefined ? fromFieldError(e) : { field, message: e.message })),
    );
    return null;
  }
}

/** `/body/folderRoleMapping/0/role` (the edge's pointer) as the file's `folderRoleMapping.0.role`. */
function fromFieldError({ field, message }: FieldError): FileProblem {
  const path = field
    .replace(/^\/body\/?/, '')
    .split('/')
    .filter(Boolean)
    .join('.');
  return path === '' ? { message } : { field: path, message };
}
