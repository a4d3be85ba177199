// Providers as code (SSO_PROVIDERS_FILE): the file is read, every provider checked as `Add` checks it, and
// only then — all or nothing — written, at start and again on SIGHUP. A file with problems changes
// nothing; its problems are reported together, one line each, naming the file, the provider and the field.
import { dirname } from 'node:path';
import type { Clock, Connectors, Log, ProviderStore } from '../sso/ports.js';
import type { ProtocolName } from '../sso/provider-settings.js';
import { writeProviders, type ApplyOutcome } from './apply.js';
import { loadInputSchemas, type InputSchemas } from './input-schema.js';
import { readProvidersFile, type FileProblem } from './read.js';
import { validateProviders } from './validate.js';

export type { ApplyOutcome };

/** The file cannot be applied: `problems` holds one self-contained line per problem. */
export class ProvidersFileError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ProvidersFileError';
    this.problems = problems;
  }
}

export interface ProvidersFileDeps {
  path: string;
  providers: ProviderStore;
  connectors: Connectors;
  clock: Clock;
  log: Log;
  /** Where `<secret>Env` references are looked up. */
  env: Record<string, string | undefined>;
  /** openapi.yaml: the `Add` bodies' contract. */
  specPath: string;
  /** Runs the writes while no other instance sharing the database runs its own (storage/exclusive-run.ts). */
  exclusive<T>(run: () => Promise<T>): Promise<T>;
  /** Readies a protocol's settings reader before it is used (the SAML stack is imported on first use). */
  prepare(protocols: ProtocolName[]): Promise<void>;
}

export interface ProvidersFile {
  /** Applies the file; throws ProvidersFileError (nothing written) when it has problems. */
  apply(): Promise<ApplyOutcome>;
}

export function createProvidersFile(deps: ProvidersFileDeps): ProvidersFile {
  let schemas: InputSchemas | undefined;
  // One apply at a time in this process: a second SIGHUP waits for the first apply to end.
  let queue: Promise<unknown> = Promise.resolve();
  const applyOnce = async (): Promise<ApplyOutcome> => {
    const read = readProvidersFile(deps.path);
    if (!read.ok) throw refusal(deps.path, read.problems);
    const { prune, providers } = read.content;
    await deps.prepare([...new Set(providers.map((provider) => provider.protocol))]);
    schemas ??= loadInputSchemas(deps.specPath);
    const { planned, problems } = validateProviders(providers, {
      schemas,
      connectors: deps.connectors,
      secrets: { env: deps.env, baseDir: dirname(deps.path) },
      now: deps.clock.now(),
    });
    if (problems.length > 0) throw refusal(deps.path, problems);
    const outcome = await deps.exclusive(() => writeProviders(deps.providers, planned, prune));
    logOutcome(deps.log, deps.path, outcome);
    return outcome;
  };
  return {
    apply() {
      const run = queue.then(applyOnce, applyOnce);
      queue = run.catch(() => undefined);
      return run;
    },
  };
}

function refusal(path: string, problems: FileProblem[]): ProvidersFileError {
  return new ProvidersFileError(problems.map((problem) => problemLine(path, problem)));
}

/** `SSO_PROVIDERS_FILE /etc/sso/providers.yaml: oidc provider "authentik": oidEndpoint: must be https`. */
export function problemLine(path: string, { provider, field, message }: FileProblem): string {
  const where = [
    `SSO_PROVIDERS_FILE ${path}`,
    ...(provider === undefined ? [] : [`${provider.protocol} provider "${provider.name}"`]),
    ...(field === undefined ? [] : [field]),
  ];
  return `${where.join(': ')}: ${message}`;
}

/** One line per apply: the counts in the message, the names in the fields. Never a secret. */
function logOutcome(log: Log, path: string, outcome: ApplyOutcome): void {
  const { created, updated, unchanged, pruned, warnings } = outcome;
  for (const warning of warnings) log.warn({}, warning);
  const counts = [
    `${created.length} created`,
    `${updated.length} updated`,
    `${unchanged.length} unchanged`,
    `${pruned.length} pruned`,
  ].join(', ');
  log.info({ path, created, updated, unchanged, pruned }, `providers file applied: ${counts}`);
}

/**
 * Applies the file again (SIGHUP). A file with problems is logged, one entry per problem, and changes
 * nothing: the running providers stay as they were. Never throws.
 */
export async function reapplyProvidersFile(file: ProvidersFile | null, log: Log): Promise<void> {
  if (file === null) {
    log.info({}, 'SIGHUP: no SSO_PROVIDERS_FILE to apply');
    return;
  }
  try {
    await file.apply();
  } catch (error) {
    const problems = error instanceof ProvidersFileError ? error.problems : [String(error)];
    for (const problem of problems) log.error({}, problem);
    log.error({ problems: problems.length }, 'providers file not applied: the providers stay as they were');
  }
}
