// App passwords in Jellyfin, with the API key: `POST /Users/Password?userId=` `{ NewPw }` (no current
// password needed by an administrator) and the user's AuthenticationProviderId. Jellyfin silently ignores a
// password change for a user on another provider than the default one, so the order matters both ways.
// Jellyfin also revokes the user's other access tokens when the password changes.

import { randomBytes } from 'node:crypto';
import { DEFAULT_AUTH_PROVIDER_ID, SSO_AUTH_PROVIDER_ID, type UserPolicy } from '../../sso/ports.js';
import { normalizeGuid } from '../shared/jellyfin-rules.js';
import { userNotFound } from './errors.js';
import { writePolicy, type UserDeps } from './users.js';

const onProvider =
  (provider: string) =>
  (policy: UserPolicy): UserPolicy => ({ ...policy, AuthenticationProviderId: provider });

function idOf(userId: string): string {
  const id = normalizeGuid(userId);
  if (!id) throw userNotFound('admin');
  return id;
}

/** The default provider first (else Jellyfin ignores the password), then the password. */
export async function setAppPassword(deps: UserDeps, userId: string, password: string): Promise<void> {
  const id = idOf(userId);
  await writePolicy(deps, id, onProvider(DEFAULT_AUTH_PROVIDER_ID), 'admin');
  await deps.client.setPassword(id, password);
  deps.forgetUser(id);
}

/** An unusable password while still on the default provider, then the SSO-only provider again. */
export async function clearAppPassword(deps: UserDeps, userId: string): Promise<void> {
  const id = idOf(userId);
  await writePolicy(deps, id, onProvider(DEFAULT_AUTH_PROVIDER_ID), 'admin');
  await deps.client.setPassword(id, randomBytes(48).toString('base64'));
  await writePolicy(deps, id, onProvider(SSO_AUTH_PROVIDER_ID), 'admin');
  deps.forgetUser(id);
}
