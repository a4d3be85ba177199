// Jellyfin's rules that both media-server adapters apply before a request: the user-name rule and its
// case-insensitive key, GUID forms, and the checks on a new user's name and on an avatar image.

import { invalidField } from '../../sso/errors.js';

/**
 * Jellyfin's `^(?!\s)[\w\ \-'._@+]+(?<!\s)$` (UserManager.cs). .NET's `\w` is Unicode-aware, so it is
 * spelled out as the categories .NET uses: letters, non-spacing marks, decimal digits, connector punctuation.
 */
const USER_NAME_PATTERN = /^(?!\s)[\p{L}\p{Mn}\p{Nd}\p{Pc} \-'._@+]+(?<!\s)$/u;

export function isValidUserName(name: string): boolean {
  return USER_NAME_PATTERN.test(name);
}

/**
 * .NET `ToUpperInvariant`: simple (one-to-one) case mapping. JS `toUpperCase` does full mapping
 * ("ß" → "SS"), which would make names collide that Jellyfin keeps apart; keep such characters as they are.
 */
export function upperInvariant(value: string): string {
  let out = '';
  for (const char of value) {
    const upper = char.toUpperCase();
    out += [...upper].length === 1 ? upper : char;
  }
  return out;
}

/** Accepts Jellyfin's "N" (32 hex) and "D" (dashed) GUID forms; returns lower-case N, or null. */
export function normalizeGuid(value: string): string | null {
  const compact = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(value)
    ? value.replace(/-/g, '')
    : value;
  return /^[0-9a-fA-F]{32}$/.test(compact) ? compact.toLowerCase() : null;
}

/** Refuses, before anything is sent or stored, a name Jellyfin would refuse. */
export function checkUserName(name: string): void {
  if (!isValidUserName(name)) {
    throw invalidField(
      'name',
      "a user name may contain letters, digits, spaces and - ' . _ @ +, and must not start or end with a space",
      'session',
    );
  }
}

/** Refuses an avatar that is not an image type or is empty. */
export function checkAvatarImage(image: { contentType: string; bytes: Uint8Array }): void {
  if (!/^image\/[\w.+-]+$/.test(image.contentType))
    throw invalidField('contentType', 'must be an image type', 'session');
  if (image.bytes.length === 0) throw invalidField('image', 'is empty', 'session');
}
