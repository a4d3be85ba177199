// ProviderStore (src/sso/ports.ts) in memory, for tests and demos. Secrets are kept as given, in clear:
// there is no database and nothing at rest to seal. `save` keeps the provider's id and createdAt, merges
// write-only secrets and gives it a new version; `delete` takes its links and flows with it, as the
// database's ON DELETE CASCADE does.

import { randomUUID } from 'node:crypto';
import { systemClock } from '../../sso/basics.js';
import type { ProviderStore, ProviderWrite } from '../../sso/ports.js';
import type { ProtocolName, ProviderRecord } from '../../sso/provider-settings.js';
import { compareOrdinal, emptySecrets, mergeSecrets } from '../store-rules.js';
import { atomically, copy, type MemoryState, type MemoryStoreDeps } from './state.js';

function findByName(state: MemoryState, protocol: ProtocolName, name: string): ProviderRecord | undefined {
  for (const record of state.providers.values()) {
    if (record.protocol === protocol && record.name === name) return record;
  }
  return undefined;
}

function save(
  state: MemoryState,
  now: Date,
  target: { protocol: ProtocolName; name: string },
  write: ProviderWrite,
): ProviderRecord {
  const existing = findByName(state, target.protocol, target.name);
  // `save(protocol, …)` is given that protocol's settings, which ProviderWrite's type cannot say.
  const record = {
    id: existing?.id ?? randomUUID(),
    ...target,
    settings: copy(write.settings),
    secrets: mergeSecrets(existing?.secrets ?? emptySecrets, write.secrets),
    version: randomUUID(),
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  } as ProviderRecord;
  state.providers.set(record.id, record);
  return copy(record);
}

function remove(state: MemoryState, protocol: ProtocolName, name: string): boolean {
  const record = findByName(state, protocol, name);
  if (!record) return false;
  state.providers.delete(record.id);
  for (const [id, flow] of state.flows) if (flow.providerId === record.id) state.flows.delete(id);
  for (const [key, link] of state.links) if (link.providerId === record.id) state.links.delete(key);
  for (const [key, session] of state.ssoSessions)
    if (session.providerId === record.id) state.ssoSessions.delete(key);
  return true;
}

export function createMemoryProviderStore({ state, clock = systemClock }: MemoryStoreDeps): ProviderStore {
  return {
    list: (protocol) =>
      atomically(() =>
        [...state.providers.values()]
          .filter((record) => record.protocol === protocol)
          .sort((a, b) => compareOrdinal(a.name, b.name))
          .map(copy),
      ),
    get: (protocol, name) => atomically(() => copy(findByName(state, protocol, name) ?? null)),
    save: (protocol, name, write) =>
      atomically(() => save(state, new Date(clock.now()), { protocol, name }, write)),
    delete: (protocol, name) => atomically(() => remove(state, protocol, name)),
  };
}
