// Shared setup of the providers-file tests: a folder holding the YAML file and its secret files, the
// service started on it, and the stored providers read back (secrets included) from its own database.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProviderStore } from '../../src/storage/provider-store.js';
import type { ProtocolName, ProviderRecord } from '../../src/sso/provider-settings.js';
import { startTestApp, type TestApp } from '../support/app.js';

export interface FileWorld {
  dir: string;
  file: string;
  /** Writes the providers file (YAML text). */
  write(yaml: string): void;
  /** Writes a file beside the providers file; returns its path. */
  secret(name: string, content: string): string;
  remove(): void;
}

export function fileWorld(): FileWorld {
  const dir = mkdtempSync(join(tmpdir(), 'sso-providers-file-'));
  const file = join(dir, 'providers.yaml');
  return {
    dir,
    file,
    write: (yaml) => writeFileSync(file, yaml),
    secret(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content, { mode: 0o600 });
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function startWithFile(
  world: FileWorld,
  env: Record<string, string> = {},
  options: Parameters<typeof startTestApp>[1] = {},
): Promise<TestApp> {
  return startTestApp({ SSO_PROVIDERS_FILE: world.file, ...env }, options);
}

/** The stored provider (null when there is none), read from the service's own database. */
export function storedProvider(
  t: TestApp,
  protocol: ProtocolName,
  name: string,
): Promise<ProviderRecord | null> {
  return createProviderStore(t.app.database).get(protocol, name);
}

/** Every `providers file applied` log entry so far, parsed. */
export function appliedEntries(t: TestApp): Record<string, unknown>[] {
  return t
    .logs()
    .split('\n')
    .filter((line) => line.includes('providers file applied'))
    .map((line) => JSON.parse(line) as Record<string, unknown>); // the logger writes JSON lines
}
