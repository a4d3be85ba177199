// App passwords: a strong random password a user gives to apps that only take a name and a password. The
// media server keeps its hash and is switched to password sign-in for the user; this service keeps only
// when it was made. The password is returned once, to the caller that asked, and never logged or stored.
//
// Who may have one: app passwords must be on for the server (SSO_APP_PASSWORDS), and a user with links may
// make one when at least one of their links' providers allows it (`allowAppPasswords`, default true); a
// user without links (a password user of the media server) is not restricted by any provider.
import { randomBytes } from 'node:crypto';
import { accountEntry } from './account-activity.js';
import { linksOf, requireUser } from './account-user.js';
import type { ActivityRecorder, RequestContext } from './activity.js';
import { SsoError } from './errors.js';
import type {
  AccountLink,
  AppPasswordStore,
  Clock,
  LinkStore,
  MediaServer,
  MediaUser,
  ProviderStore,
} from './ports.js';

/** 24 random bytes: 32 characters of base64url, 192 bits. */
const PASSWORD_BYTES = 24;

export interface AppPasswordDeps {
  mediaServer: MediaServer;
  appPasswords: AppPasswordStore;
  links: LinkStore;
  providers: ProviderStore;
  clock: Clock;
  /** SSO_APP_PASSWORDS: false refuses every new app password (revoking still works). */
  enabled: boolean;
  activityLog?: ActivityRecorder | undefined;
}

export interface AppPasswords {
  /** When the user's app password was made; null when they have none. */
  createdAt(userId: string): Promise<Date | null>;
  /** A new password replacing any earlier one; the only time it exists outside the media server. */
  create(userId: string, request: RequestContext): Promise<{ password: string; createdAt: Date }>;
  /** False when the user had none (the password is made unusable all the same). */
  revoke(userId: string, request: RequestContext): Promise<boolean>;
}

function refused(message: string): SsoError {
  return new SsoError('forbidden', message, { step: 'admin', reason: 'app_passwords_not_allowed' });
}

/** The server setting, then the providers of the user's links: one that allows suffices. */
async function checkAllowed(deps: AppPasswordDeps, links: AccountLink[]): Promise<void> {
  if (!deps.enabled) throw refused('App passwords are turned off on this server (SSO_APP_PASSWORDS).');
  if (links.length === 0) return;
  for (const link of links) {
    const provider = await deps.providers.get(link.protocol, link.providerName);
    if (provider !== null && provider.settings.allowAppPasswords !== false) return;
  }
  throw refused("The sign-in providers of this user's accounts do not allow app passwords.");
}

function requirePort<T>(method: T | undefined): T {
  if (method === undefined)
    throw new SsoError('not_implemented', 'This media server cannot hold app passwords.', { step: 'admin' });
  return method;
}

export function createAppPasswords(deps: AppPasswordDeps): AppPasswords {
  const note = (user: MediaUser, links: AccountLink[], message: string, request: RequestContext): void => {
    deps.activityLog?.note(
      accountEntry({
        time: deps.clock.now(),
        userId: user.id,
        username: user.name,
        link: links[0] ?? null,
        step: 'admin',
        message,
        request,
      }),
    );
  };
  return {
    async createdAt(userId) {
      await requireUser(deps.mediaServer, userId);
      return deps.appPasswords.createdAt(userId);
    },
    async create(userId, request) {
      const setPassword = requirePort(deps.mediaServer.setAppPassword?.bind(deps.mediaServer));
      const user = await requireUser(deps.mediaServer, userId);
      const links = await linksOf(deps.links, user.id);
      await checkAllowed(deps, links);
      const password = randomBytes(PASSWORD_BYTES).toString('base64url');
      await setPassword(user.id, password);
      const createdAt = deps.clock.now();
      await deps.appPasswords.save(user.id, createdAt);
      note(user, links, `App password created for "${user.name}".`, request);
      return { password, createdAt };
    },
    async revoke(userId, request) {
      const clear = requirePort(deps.mediaServer.clearAppPassword?.bind(deps.mediaServer));
      const user = await requireUser(deps.mediaServer, userId);
      await clear(user.id);
      const had = await deps.appPasswords.delete(user.id);
      note(user, await linksOf(deps.links, user.id), `App password revoked for "${user.name}".`, request);
      return had;
    },
  };
}
