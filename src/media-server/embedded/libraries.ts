// The library list of the embedded directory: what an administrator configured (CLI or configuration), in
// order, offered to folder-role mapping as Jellyfin's media folders would be.

import { invalidField } from '../../sso/errors.js';
import type { Library } from '../../sso/ports.js';
import { LibraryEntity } from '../../storage/entities.js';
import type { Orm } from '../../storage/orm.js';
import { normalizeGuid } from '../shared/jellyfin-rules.js';

/** Jellyfin's CollectionType values, for library input validation. */
export const COLLECTION_TYPES = [
  'unknown',
  'movies',
  'tvshows',
  'music',
  'musicvideos',
  'trailers',
  'homevideos',
  'boxsets',
  'books',
  'photos',
  'livetv',
  'playlists',
  'folders',
] as const;

export interface LibraryInput {
  /** 32 hex or a dashed GUID; normalized to lower-case N format. */
  Id: string;
  Name: string;
  CollectionType?: string | null;
}

function checkLibraries(list: LibraryInput[]): Library[] {
  const seen = new Set<string>();
  return list.map((library, index) => {
    const id = normalizeGuid(library.Id);
    if (!id) throw invalidField(`libraries[${index}].Id`, 'must be 32 hex characters (a GUID)', 'admin');
    if (seen.has(id)) throw invalidField(`libraries[${index}].Id`, `appears twice (${id})`, 'admin');
    seen.add(id);
    const name = library.Name.trim();
    if (name === '') throw invalidField(`libraries[${index}].Name`, 'must not be empty', 'admin');
    const type = library.CollectionType ?? null;
    if (type !== null && !(COLLECTION_TYPES as readonly string[]).includes(type)) {
      throw invalidField(
        `libraries[${index}].CollectionType`,
        `must be one of ${COLLECTION_TYPES.join(', ')}`,
        'admin',
      );
    }
    return { Id: id, Name: name, CollectionType: type };
  });
}

/** Checks the whole list first, then replaces the stored one in one transaction. */
export async function replaceLibraries(orm: Orm, list: LibraryInput[]): Promise<Library[]> {
  const libraries = checkLibraries(list);
  await orm.em.fork().transactional(async (em) => {
    await em.nativeDelete(LibraryEntity, {});
    if (libraries.length > 0) {
      await em.insertMany(
        LibraryEntity,
        libraries.map((library, position) => ({
          id: library.Id,
          name: library.Name,
          collectionType: library.CollectionType,
          position,
        })),
      );
    }
  });
  return libraries;
}

export async function listLibraries(orm: Orm): Promise<Library[]> {
  const rows = await orm.em.fork().find(LibraryEntity, {}, { orderBy: { position: 'asc' } });
  return rows.map((row) => ({ Id: row.id, Name: row.name, CollectionType: row.collectionType ?? null }));
}
