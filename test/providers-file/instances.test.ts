// Several instances on one PostgreSQL database apply the same providers file at once: they take turns
// (an advisory lock), so the providers are written once, each later instance finds them as the file says
// and writes nothing, and no version is bumped twice.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { appDatabaseTargets, describeOn, randomSecretKey } from '../support/db.js';
import { appliedEntries, fileWorld, startWithFile, storedProvider, type FileWorld } from './world.js';

const postgres = appDatabaseTargets('providers-file instance cases').find((t) => t.dialect === 'postgresql');

function oneProvider(clientId: string): string {
  return `
oidc:
  shared:
    oidEndpoint: https://auth.example.com
    oidClientId: ${clientId}
    oidSecretFile: shared.secret
`;
}

/** The lists of the last apply of each instance. */
function lastApplies(instances: TestApp[]): Record<string, unknown>[] {
  return instances.map((instance) => appliedEntries(instance).at(-1) ?? {});
}

describeOn(
  postgres ?? { skipReason: 'no PostgreSQL target' },
  'two instances on one PostgreSQL [postgresql]',
  () => {
    let world: FileWorld;
    let instances: TestApp[] = [];
    let cleanup: () => Promise<void> = async () => undefined;
    beforeAll(async () => {
      const prepared = await postgres!.prepare(); // describeOn skips the block when there is no target
      cleanup = prepared.cleanup;
      world = fileWorld();
      world.secret('shared.secret', 'shared-secret');
      world.write(oneProvider('first'));
      // One database and one secret key, as instances behind one proxy share them.
      const env = { ...prepared.env, SSO_SECRET_KEY: randomSecretKey() };
      instances = await Promise.all([startWithFile(world, env), startWithFile(world, env)]);
    });
    afterAll(async () => {
      await Promise.all(instances.map((instance) => instance.close()));
      await cleanup();
      world.remove();
    });

    it('when both start at once, then one creates the provider and the other finds it unchanged', () => {
      const applies = lastApplies(instances);
      expect(applies.map((entry) => entry['created'])).toEqual(expect.arrayContaining([['oidc/shared'], []]));
      expect(applies.map((entry) => entry['unchanged'])).toEqual(
        expect.arrayContaining([['oidc/shared'], []]),
      );
    });

    it('when both apply a changed file at once, then one updates it and the other finds it unchanged', async () => {
      const [first] = instances;
      const before = await storedProvider(first!, 'oidc', 'shared');
      world.write(oneProvider('second'));
      await Promise.all(instances.map((instance) => instance.app.reloadProvidersFile()));
      const applies = lastApplies(instances);
      expect(applies.map((entry) => entry['updated'])).toEqual(expect.arrayContaining([['oidc/shared'], []]));
      expect(applies.map((entry) => entry['unchanged'])).toEqual(
        expect.arrayContaining([['oidc/shared'], []]),
      );
      const after = await storedProvider(first!, 'oidc', 'shared');
      expect(after?.settings).toMatchObject({ oidClientId: 'second' });
      expect(after?.version).not.toBe(before?.version);
    });
  },
);
