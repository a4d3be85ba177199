// The demo's two OIDC providers at the service, both clients of the one demo IdP: `demo`, the sign-in the
// demo prints, and `backup`, a second way in that alice links from /sso/account (linking binds her account
// at the second provider to the user she already is; signing in there first would make a new user). Both
// read the same claims and apply the same role rules. Configured through the service's own admin API.
import { randomBytes } from 'node:crypto';
import type { DemoAccount, DemoClient } from './idp.js';

export interface DemoProvider {
  /** The provider's name at the service (`/sso/OID/start/<name>`). */
  name: string;
  clientId: string;
  clientSecret: string;
  /** What it is for, in the start-up text and on the IdP's page. */
  purpose: string;
}

/** The groups the providers let in, and those they make administrators. */
export const ALLOWED_GROUPS = ['jellyfin-users'];
export const ADMIN_GROUPS = ['jellyfin-admins'];

/** Fresh secrets for this run. */
export function demoProviders(): DemoProvider[] {
  const secret = (): string => randomBytes(24).toString('hex');
  return [
    { name: 'demo', clientId: 'jellyfin-demo', clientSecret: secret(), purpose: 'the sign-in' },
    {
      name: 'backup',
      clientId: 'jellyfin-demo-backup',
      clientSecret: secret(),
      purpose: 'a second way in, to link from /sso/account',
    },
  ];
}

/** The providers as the IdP's registered clients, each with its own redirect URI at the service. */
export function idpClients(providers: DemoProvider[], publicUrl: string): DemoClient[] {
  return providers.map((provider) => ({
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
    redirectUris: [`${publicUrl}/sso/OID/redirect/${provider.name}`],
    label: `provider "${provider.name}" at the service: ${provider.purpose}`,
  }));
}

/** What signing in with the account gives, by the providers' role rules. */
export function outcomeOf(account: DemoAccount): string {
  if (!account.groups.some((group) => ALLOWED_GROUPS.includes(group))) {
    return 'refused (in no allowed group; the admin console shows why, under Activity)';
  }
  return account.groups.some((group) => ADMIN_GROUPS.includes(group)) ? 'administrator' : 'member';
}

/** Adds the provider at the service (`POST /sso/OID/Add/<name>`) with the demo's API key. */
export async function configureProvider(
  baseUrl: string,
  apiKey: string,
  issuer: string,
  provider: DemoProvider,
): Promise<void> {
  const response = await fetch(`${baseUrl}/sso/OID/Add/${provider.name}`, {
    method: 'POST',
    headers: {
      authorization: `MediaBrowser Client="jellyfin-sso demo", Token="${apiKey}"`,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: JSON.stringify({
      oidEndpoint: issuer,
      oidClientId: provider.clientId,
      oidSecret: provider.clientSecret,
      enabled: true,
      enableAuthorization: true,
      enableAllFolders: true,
      roles: ALLOWED_GROUPS,
      adminRoles: ADMIN_GROUPS,
      roleClaim: 'groups',
      oidScopes: ['groups', 'email'],
    }),
  });
  if (response.status !== 200) {
    throw new Error(
      `configuring the demo provider "${provider.name}" failed: HTTP ${response.status} ${await response.text()}`,
    );
  }
}
