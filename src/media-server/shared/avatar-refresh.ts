// Avatars from sign-in claims, for either media-server adapter: fetched after the sign-in has answered
// (never awaited by it), and only when the picture changed. The SHA-256 of the URL last fetched for each user
// is kept in the meta table, so a returning user with the same picture costs one indexed select, no fetch.

import { sha256 } from '../../sso/basics.js';
import type { Log, MediaServer, MediaUser, VerifiedIdentity } from '../../sso/ports.js';
import type { Orm } from '../../storage/orm.js';
import type { AvatarImage } from './avatar.js';
import { sqlOf } from '../../storage/sql.js';

export interface AvatarRefreshDeps {
  orm: Orm;
  mediaServer: Pick<MediaServer, 'setAvatar'>;
  /** The guarded download (fetchAvatar with the service's settings); null when there is no usable image. */
  fetchImage(url: string): Promise<AvatarImage | null>;
  log: Log;
}

/** The meta key of a user's last fetched picture (user ids are 32 hex: well inside the key's 64). */
const pictureKey = (userId: string): string => `avatar.${userId}`;

/** The `afterLogin` step: starts the refresh and returns at once; a failure is logged, never thrown. */
export function avatarsAfterLogin(
  deps: AvatarRefreshDeps,
): (user: MediaUser, identity: VerifiedIdentity) => Promise<void> {
  const sql = sqlOf(deps.orm);
  // One refresh per user at a time: a second sign-in during a slow fetch does not start another.
  const running = new Set<string>();

  const refresh = async (userId: string, url: string): Promise<void> => {
    const picture = sha256(url);
    const [last] = await sql.rows('select value from sso_meta where key = ?', [pictureKey(userId)]);
    if (last?.['value'] === picture) return;
    const image = await deps.fetchImage(url);
    // Not recorded: the next sign-in tries again.
    if (image === null) return;
    await deps.mediaServer.setAvatar(userId, image);
    await sql.rows(
      'insert into sso_meta (key, value) values (?, ?) on conflict (key) do update set value = excluded.value',
      [pictureKey(userId), picture],
    );
  };

  return (user, identity) => {
    const url = identity.avatarUrl;
    if (url !== null && !running.has(user.id)) {
      running.add(user.id);
      void refresh(user.id, url)
        .catch((error: unknown) => deps.log.warn({ userId: user.id, err: error }, 'avatar not updated'))
        .finally(() => running.delete(user.id));
    }
    return Promise.resolve();
  };
}
