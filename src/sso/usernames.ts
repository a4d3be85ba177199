// The name a media-server user gets from what an IdP proposed: Jellyfin's username rule. Pure: no I/O.

/** Jellyfin's username rule: `^(?!\s)[\w\ \-'._@+]+(?<!\s)$`, with .NET's Unicode `\w`. */
const DISALLOWED = /[^\p{L}\p{Mn}\p{Nd}\p{Pc} \-'.@+]+/gu;
const MAX_USERNAME_LENGTH = 64;

/**
 * A name Jellyfin accepts: NFC, each run of other characters replaced by `_` (`google-oauth2|123` →
 * `google-oauth2_123`), white space collapsed to one space, trimmed, at most 64 characters. Null when
 * nothing usable remains (no letter or digit).
 */
export function normaliseUsername(raw: string): string | null {
  let name = raw
    .normalize('NFC')
    .replace(/\s+/gu, ' ')
    .replace(DISALLOWED, '_')
    .replace(/_{2,}/g, '_')
    .trim();
  name = Array.from(name).slice(0, MAX_USERNAME_LENGTH).join('').trim();
  if (!/[\p{L}\p{Nd}]/u.test(name)) return null;
  return name;
}
