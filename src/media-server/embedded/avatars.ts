// Avatars in the embedded directory: one image per user, kept in the database and replaced on each set.

import { SsoError, invalidField } from '../../sso/errors.js';
import { AvatarEntity, MediaUserEntity } from '../../storage/entities.js';
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
  await ctx.orm.em.fork().transactional(async (em) => {
    // Write first (see context.ts): the delete takes the write lock before anything is read.
    await em.nativeDelete(AvatarEntity, { user: id });
    const user = await em.findOne(MediaUserEntity, { id }, { fields: ['id'] });
    if (!user) throw notFound();
    await em.insert(AvatarEntity, {
      user: id,
      contentType: image.contentType,
      bytes: Buffer.from(image.bytes),
      updatedAt: ctx.clock.now(),
    });
  });
}
