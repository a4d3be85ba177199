// What the console's browser tests of providers and activity run against: the service beside the in-process
// OpenID Provider (alice an administrator, bob a member, carol in no allowed group), providers added through the
// generated client with the usual role rules, and a tab signed in to the console on a given view.
import type { Browser } from 'playwright-core';
import { addOidcProvider, type OidcProviderInput } from '../../clients/typescript/index.js';
import { BOOTSTRAP_KEY, startTestApp, type TestApp } from './app.js';
import { openConsoleTab, signInWithApiKey, type ConsoleTab } from './console-browser.js';
import { jellyfinClient, startOidcIdp, type OidcIdp } from './oidc-idp.js';
import { freePort } from './ports.js';

export const CONSOLE_ACCOUNTS = {
  'sub-alice': { preferred_username: 'alice', groups: ['jellyfin-users', 'jellyfin-admins'] },
  'sub-bob': { preferred_username: 'bob', groups: ['jellyfin-users'] },
  'sub-carol': { preferred_username: 'carol', groups: ['family'] },
};

/** Members of jellyfin-users may sign in, jellyfin-admins are administrators, every library is open. */
export const ROLE_RULES = {
  enabled: true,
  enableAuthorization: true,
  enableAllFolders: true,
  roles: ['jellyfin-users'],
  adminRoles: ['jellyfin-admins'],
};

export interface ConsoleService {
  t: TestApp;
  idp: OidcIdp;
  /** Adds an OIDC provider at the IdP (client `jellyfin`, role claim `groups`), with `overrides` on top. */
  addProvider(name: string, overrides?: Partial<OidcProviderInput>): Promise<void>;
  close(): Promise<void>;
}

/** The service and the IdP; the IdP's client may redirect to `signInProvider` (the one users sign in at). */
export async function startConsoleService(signInProvider: string): Promise<ConsoleService> {
  const port = await freePort();
  const client = jellyfinClient(port, signInProvider);
  const idp = await startOidcIdp({ clients: [client], accounts: CONSOLE_ACCOUNTS });
  const t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
  return {
    t,
    idp,
    addProvider: async (name, overrides = {}) => {
      await addOidcProvider({
        client: t.admin,
        path: { provider: name },
        // The IdP's registered client, so its id and secret are written once.
        body: {
          oidEndpoint: idp.issuer,
          oidClientId: client.client_id,
          oidSecret: client.client_secret ?? '',
          ...ROLE_RULES,
          roleClaim: 'groups',
          oidScopes: ['groups'],
          ...overrides,
        },
        throwOnError: true,
      });
    },
    close: async () => {
      await t.close();
      await idp.close();
    },
  };
}

/** A fresh tab signed in to the console with the API key, then on `fragment` (e.g. `#/activity`). */
export async function openConsoleAt(
  browser: Browser,
  baseUrl: string,
  fragment: string,
  viewport?: { width: number; height: number },
): Promise<ConsoleTab> {
  const tab = await openConsoleTab(browser, baseUrl, viewport === undefined ? {} : { viewport });
  await signInWithApiKey(tab.page, BOOTSTRAP_KEY);
  await tab.page.goto(`${baseUrl}/sso/admin/${fragment}`);
  return tab;
}
