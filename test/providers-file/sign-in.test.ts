// A provider declared only in the providers file signs a user in through the in-process OpenID Provider:
// its client secret, read from the environment at apply time, is the one the IdP checks at the token
// endpoint, and the user the sign-in makes is the IdP account's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchUsers } from '../../clients/typescript/index.js';
import type { TestApp } from '../support/app.js';
import { createTestSamlIdp, signInThroughOidc } from '../support/linked-users.js';
import { jellyfinClient, startOidcIdp, type OidcIdp } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';
import { fileWorld, startWithFile, type FileWorld } from './world.js';

const SECRET_VARIABLE = 'PROVIDERS_FILE_TEST_CLIENT_SECRET';

describe('a provider declared in the providers file', () => {
  let world: FileWorld;
  let idp: OidcIdp;
  let t: TestApp;
  beforeAll(async () => {
    const port = await freePort();
    // The IdP's client has the secret `jellyfin-secret`; the file names only the variable holding it.
    idp = await startOidcIdp({
      clients: [jellyfinClient(port, 'idp')],
      accounts: { alice: { preferred_username: 'alice', groups: ['jellyfin-users'] } },
    });
    process.env[SECRET_VARIABLE] = 'jellyfin-secret';
    world = fileWorld();
    world.write(`
oidc:
  idp:
    oidEndpoint: ${idp.issuer}
    oidClientId: jellyfin
    oidSecretEnv: ${SECRET_VARIABLE}
    enabled: true
    enableAuthorization: true
    roles: [jellyfin-users]
    roleClaim: groups
    oidScopes: [groups]
`);
    t = await startWithFile(world, { SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
  });
  afterAll(async () => {
    delete process.env[SECRET_VARIABLE];
    await t.close();
    await idp.close();
    world.remove();
  });

  it('when a user signs in with it, then the sign-in completes and makes the IdP account a user', async () => {
    const user = await signInThroughOidc({ t, idp, saml: createTestSamlIdp(), admin: t.admin }, 'alice');
    expect(user.token).not.toBe('');
    const found = await searchUsers({ client: t.admin, query: { search: 'alice' } });
    expect(found.data?.users).toContainEqual(
      expect.objectContaining({ id: user.id, name: 'alice', links: 1 }),
    );
  });
});
