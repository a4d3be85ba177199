// What `npm run demo` prints once everything runs: where to sign in, the IdP's accounts and the two
// providers using it, the self-service walk of /sso/account (link the second provider, an app password for
// an app, revoke it, sign a device out), the admin API key and where the data is.
import type { Config } from '../config.js';
import { APP_DEVICE } from './app.js';
import type { DemoAccount } from './idp.js';
import { outcomeOf, type DemoProvider } from './providers.js';

export interface WelcomeFacts {
  config: Config;
  accounts: DemoAccount[];
  providers: DemoProvider[];
  issuer: string;
  apiKey: string;
  /** The data folder is the demo's own, removed at exit. */
  tempData: boolean;
  /** `--app` runs: the walk points at it rather than at the option. */
  withApp: boolean;
}

export function startUrlOf(config: Config, provider: DemoProvider): string {
  return `${config.publicUrl}/sso/OID/start/${provider.name}`;
}

export function welcome(facts: WelcomeFacts): string {
  const { config, providers, issuer, apiKey } = facts;
  const [first, second] = providers;
  if (first === undefined || second === undefined) throw new Error('the demo has two providers');
  const accounts = facts.accounts.map(
    (a) => `    ${a.name.padEnd(6)} groups ${a.groups.join(', ')}  → ${outcomeOf(a)}`,
  );
  const width = Math.max(...providers.map((p) => p.name.length));
  const rows = providers.map((p) => `    ${p.name.padEnd(width)}  ${startUrlOf(config, p)}  ${p.purpose}`);
  return [
    '',
    'jellyfin-sso demo is running.',
    '',
    `  Open  ${startUrlOf(config, first)}`,
    `  Admin console  ${config.publicUrl}/sso/admin/  (sign in as alice, or with the API key below)`,
    '',
    `  Demo OpenID Provider: ${issuer}/ (password-less: type an account name)`,
    ...accounts,
    "  The service's providers sign in through it (the same accounts, the same role rules):",
    ...rows,
    `  To switch user, sign out at ${issuer}/ (the IdP remembers who signed in), then open the URL above again.`,
    '',
    ...selfServiceWalk(config.publicUrl, first, second, facts.withApp),
    '',
    `  Admin API key: ${apiKey}`,
    `    curl -H 'Authorization: MediaBrowser Token="${apiKey}"' ${config.publicUrl}/sso/OID/Get`,
    `  Data: ${config.dataDir}${facts.tempData ? ' (removed when the demo stops)' : ''}`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}

/** Issue 18's walk: everything alice does for herself at /sso/account, no admin involved. */
function selfServiceWalk(
  publicUrl: string,
  first: DemoProvider,
  second: DemoProvider,
  withApp: boolean,
): string[] {
  const app = withApp
    ? 'paste it into the scripted app below'
    : 'give it to an app (npm run demo -- --app runs a scripted one and prints the same step as curl)';
  return [
    '  Self-service, as alice and without an admin:',
    `    1. Open ${publicUrl}/sso/ and sign in with ${first.name} as alice.`,
    `    2. Open ${publicUrl}/sso/account (Identities, App password, Devices).`,
    `    3. Link ${second.name}: alice's account at the provider ${second.name} now signs in to the same user`,
    '       (the IdP remembers alice, so it asks nothing; it asks for an account name after a sign-out there).',
    `    4. Create an app password and ${app}.`,
    "    5. Revoke the app password: the app's next sign-in is refused.",
    `    6. Devices: sign out "${APP_DEVICE.name}", the app's device; its session ends.`,
  ];
}
