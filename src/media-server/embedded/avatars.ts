// Avatars in the embedded directory: one image per user, kept in the database and replaced on each set.

import { SsoError, invalidField } from '../../sso/errors.js';
import type { DirectoryContext } from './context.js';
import { checkAvatarImage, normalizeGuid } from '../shared/jellyfin-rules.js';

/** Avatars are kept in the database: refuse anything bigger than a generous profile picture. */
export const MAX_AVATAR_BYTES = 2 * 1024 * 1024;

export async function setAvatar(
  ctx: DirectoryContext,
  userId: string,
  image: { contentType: string; bytes: Uint8Array },
): Promise<void> {
  checkAvatarImage(image);
  if (image.bytes.length > MAX_AVATAR_BYTES) {
    throw invalidField('image', `is larger than ${MAX_AVATAR_BYTES} bytes`, 'session');
  }
  const id = normalizeGuid(userId);
  const notFound = (): SsoError => new SsoError('user_not_found', 'no such user', { step: 'session' });
  if (!id) throw notFound();
  // One upsert, written only for an existing user (the select finds none for an unknown id).
  const written = await ctx.sql.rows(
    `insert into media_avatar (user_id, content_type, bytes, updated_at)
     select id, ?, ?, ? from media_user where id = ?
     on conflict (user_id) do update set content_type = excluded.content_type, bytes = excluded.bytes,
       updated_at = excluded.updated_at
     returning user_id`,
    [image.contentType, Buffer.from(image.bytes), ctx.sql.date(ctx.clock.now()), id],
  );
  if (written.length === 0) throw notFound();
}
