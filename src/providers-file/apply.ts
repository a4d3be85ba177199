// Writing the validated providers: each is compared with the stored one first and written only when a
// setting or a referenced secret differs, so a restart with the same file writes nothing and keeps every
// provider's version (open sign-ins are bound to it). With `prune`, providers the file does not declare
// are deleted, with their account links and open sign-ins.
import type { ProviderStore, ProviderWrite } from '../sso/ports.js';
import type { ProtocolName, ProviderRecord } from '../sso/provider-settings.js';
import type { PlannedProvider } from './validate.js';

/** What one apply did, as `protocol/name` lists. */
export interface ApplyOutcome {
  created: string[];
  updated: string[];
  unchanged: string[];
  pruned: string[];
  /** The settings readers' warnings (an expired IdP certificate), each naming its provider. */
  warnings: string[];
}

const PROTOCOLS: readonly ProtocolName[] = ['oidc', 'saml'];

export async function writeProviders(
  store: ProviderStore,
  planned: PlannedProvider[],
  prune: boolean,
): Promise<ApplyOutcome> {
  const outcome: ApplyOutcome = { created: [], updated: [], unchanged: [], pruned: [], warnings: [] };
  for (const { protocol, name, parsed } of planned) {
    const label = `${protocol}/${name}`;
    outcome.warnings.push(...parsed.warnings.map((warning) => `${label}: ${warning}`));
    const stored = await store.get(protocol, name);
    if (stored !== null && !differs(stored, parsed.write)) {
      outcome.unchanged.push(label);
      continue;
    }
    await store.save(protocol, name, parsed.write);
    (stored === null ? outcome.created : outcome.updated).push(label);
  }
  if (prune) outcome.pruned = await pruneUndeclared(store, planned);
  return outcome;
}

async function pruneUndeclared(store: ProviderStore, planned: PlannedProvider[]): Promise<string[]> {
  const declared = new Set(planned.map(({ protocol, name }) => `${protocol}/${name}`));
  const pruned: string[] = [];
  for (const protocol of PROTOCOLS) {
    for (const { name } of await store.list(protocol)) {
      const label = `${protocol}/${name}`;
      if (declared.has(label)) continue;
      // Another instance applying the same file may have deleted it first: gone is gone either way.
      if (await store.delete(protocol, name)) pruned.push(label);
    }
  }
  return pruned;
}

/** Whether saving `write` would change the provider: a setting, or a secret the file references. */
function differs(stored: ProviderRecord, write: ProviderWrite): boolean {
  if (canonicalJson(stored.settings) !== canonicalJson(write.settings)) return true;
  // A secret the file does not reference is kept (undefined), as with `Add`.
  const { clientSecret, spSigningKey } = write.secrets;
  return (
    (clientSecret !== undefined && clientSecret !== stored.secrets.clientSecret) ||
    (spSigningKey !== undefined && spSigningKey !== stored.secrets.spSigningKey)
  );
}

/** JSON with object keys sorted: PostgreSQL's jsonb hands keys back in its own order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}
