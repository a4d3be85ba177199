// Tokens of the embedded directory: resolving one (an API key or a session, stored as SHA-256 only), and
// minting a session as Jellyfin's AuthenticateDirect would, one per user and device.

import { sha256 } from '../../sso/basics.js';
import { SsoError, invalidField } from '../../sso/errors.js';
import type { AuthenticationResult, DeviceInfo, Principal } from '../../sso/ports.js';
import { ApiKeyEntity, MediaSessionEntity, MediaUserEntity } from '../../storage/entities.js';
import { randomHex32, type DirectoryContext } from './context.js';
import { normalizeGuid } from '../shared/jellyfin-rules.js';
import { toSessionDto, toUserDto, type ServerIdentity } from '../shared/jellyfin-shapes.js';
import { toDtoInput, toMediaUser } from './users.js';

/** Jellyfin refreshes a token's last-activity at most this often (AuthorizationContext.cs). */
const ACTIVITY_REFRESH_MS = 3 * 60 * 1000;

export async function resolveToken(ctx: DirectoryContext, token: string): Promise<Principal | null> {
  if (token === '') return null;
  const tokenHash = sha256(token);
  const em = ctx.orm.em.fork();
  const key = await em.findOne(ApiKeyEntity, { tokenHash, revokedAt: null });
  if (key) return { kind: 'apiKey', keyId: key.id, name: key.name };

  const session = await em.findOne(MediaSessionEntity, { tokenHash });
  if (!session) return null;
  const user = await em.findOne(MediaUserEntity, { id: session.user });
  // A disabled account's tokens are refused, as Jellyfin's AuthService does.
  if (!user || user.policy.IsDisabled) return null;

  const now = ctx.clock.now();
  const stale = new Date(now.getTime() - ACTIVITY_REFRESH_MS);
  // Conditional, so a busy token costs one write per 3 minutes, not one per request.
  await em.nativeUpdate(
    MediaSessionEntity,
    { id: session.id, lastActivityAt: { $lt: stale } },
    { lastActivityAt: now },
  );
  await em.nativeUpdate(
    MediaUserEntity,
    { id: user.id, $or: [{ lastActivityDate: null }, { lastActivityDate: { $lt: stale } }] },
    { lastActivityDate: now },
  );
  return { kind: 'user', user: toMediaUser(user) };
}

function userNotFound(): SsoError {
  return new SsoError('user_not_found', 'no such user', { step: 'session' });
}

/** A new session on `device`; the user's older tokens for that device are logged out, as in Jellyfin. */
export async function createSession(
  ctx: DirectoryContext,
  ready: () => Promise<ServerIdentity>,
  userId: string,
  device: DeviceInfo,
): Promise<AuthenticationResult> {
  const id = normalizeGuid(userId);
  if (!id) throw userNotFound();
  if (device.deviceId.trim() === '') throw invalidField('deviceId', 'must not be empty', 'session');
  const server = await ready();
  const token = randomHex32();
  const now = ctx.clock.now();
  const { user, session } = await ctx.orm.em.fork().transactional(async (em) => {
    // Updating the user row first locks it: two logins of the same user on the same device serialize.
    const touched = await em.nativeUpdate(
      MediaUserEntity,
      { id },
      { lastLoginDate: now, lastActivityDate: now },
    );
    if (touched !== 1) throw userNotFound();
    const user = await em.findOneOrFail(MediaUserEntity, { id });
    if (user.policy.IsDisabled) {
      throw new SsoError('media_server_refused', 'this account is disabled', { step: 'session' });
    }
    await em.nativeDelete(MediaSessionEntity, { user: id, deviceId: device.deviceId });
    const session = {
      id: randomHex32(),
      tokenHash: sha256(token),
      user: id,
      deviceId: device.deviceId,
      deviceName: device.deviceName,
      client: device.appName,
      appVersion: device.appVersion,
      createdAt: now,
      lastActivityAt: now,
    };
    await em.insert(MediaSessionEntity, session);
    return { user, session };
  });
  return {
    User: toUserDto(toDtoInput(user), server),
    SessionInfo: toSessionDto({ ...session, userId: id, userName: user.name }, server),
    AccessToken: token,
    ServerId: server.id,
  };
}
