// The OpenID Provider for the login cases: the test suite's in-process oidc-provider (test/support/oidc-idp.ts,
// PKCE required, PAR advertised, auto-consent), alone in this child so its CPU is not the service's.
// BENCH_IDP (JSON): { clientId, clientSecret, redirectUris: string[], accounts: number }. Accounts are `bench-<i>`, each in the
// `jellyfin-users` group.
//   node --import tsx bench/servers/idp.ts
import { startOidcIdp } from '../../test/support/oidc-idp.js';
import { exitWithParent, fail, ready } from './child.js';

async function main(): Promise<void> {
  const input = JSON.parse(process.env['BENCH_IDP'] ?? '') as {
    clientId: string;
    clientSecret: string;
    redirectUris: string[];
    accounts: number;
  };
  const accounts: Record<string, Record<string, unknown>> = {};
  for (let i = 0; i < input.accounts; i++) {
    accounts[`bench-${i}`] = {
      preferred_username: `bench-user-${i}`,
      email: `bench-${i}@example.test`,
      groups: ['jellyfin-users'],
    };
  }
  const idp = await startOidcIdp({
    clients: [
      { client_id: input.clientId, client_secret: input.clientSecret, redirect_uris: input.redirectUris },
    ],
    accounts,
  });
  exitWithParent(() => idp.close());
  ready({ port: idp.port, issuer: idp.issuer, pid: process.pid });
}

main().catch(fail);
