// Quick Connect in the embedded directory, with Jellyfin's semantics: a TV initiates a request (a six-digit
// code to show, a secret to poll with), someone authorizes the code once for a user, and the TV exchanges the
// secret for its session. Requests live in the database so every instance agrees; expiry and single use
// are conditions of the one statement that changes a request, so only one caller can win.
import { randomBytes, randomInt } from 'node:crypto';
import { sha256 } from '../../sso/basics.js';
import { DEVICE_CODE_TTL_MS, deviceCodeUnknown, deviceCodeUsed } from '../../sso/device-codes.js';
import { SsoError } from '../../sso/errors.js';
import type {
  AuthenticationResult,
  DeviceInfo,
  QuickConnectCodeState,
  QuickConnectRequest,
} from '../../sso/ports.js';
import { readDate } from '../../storage/sql.js';
import { isUniqueViolation } from '../../storage/shared.js';
import { normalizeGuid } from '../shared/jellyfin-rules.js';
import type { DirectoryContext } from './context.js';

/** How many random codes a request tries before giving up (a clash needs a live request with that code). */
const CODE_TRIES = 10;

interface RequestRow {
  code: string;
  device_id: string;
  device_name: string;
  app_name: string;
  app_version: string;
  user_id: string | null;
  created_at: unknown;
}

function requestOf(secret: string, row: RequestRow): QuickConnectRequest {
  return {
    secret,
    code: row.code,
    authenticated: row.user_id !== null,
    device: {
      deviceId: row.device_id,
      deviceName: row.device_name,
      appName: row.app_name,
      appVersion: row.app_version,
    },
    createdAt: readDate(row.created_at),
  };
}

/** A new request for the TV; expired ones are dropped first, which frees their codes. */
export async function initiateRequest(
  ctx: DirectoryContext,
  device: DeviceInfo,
): Promise<QuickConnectRequest> {
  const { sql } = ctx;
  const now = ctx.clock.now();
  await sql.rows('delete from media_quick_connect where expires_at <= ?', [sql.date(now)]);
  for (let attempt = 0; attempt < CODE_TRIES; attempt++) {
    const secret = randomBytes(32).toString('hex');
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    try {
      await sql.rows(
        `insert into media_quick_connect (secret_hash, code, device_id, device_name, app_name, app_version,
           created_at, expires_at) values (?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          sha256(secret),
          code,
          device.deviceId,
          device.deviceName,
          device.appName,
          device.appVersion,
          sql.date(now),
          sql.date(new Date(now.getTime() + DEVICE_CODE_TTL_MS)),
        ],
      );
      return { secret, code, authenticated: false, device, createdAt: now };
    } catch (error) {
      // The code is held by another live request: draw another.
      if (!isUniqueViolation(error)) throw error;
    }
  }
  throw new SsoError('internal', 'No free Quick Connect code was found.', { step: 'session' });
}

/** The TV's request by its secret; null when unknown or expired. */
export async function requestState(
  ctx: DirectoryContext,
  secret: string,
): Promise<QuickConnectRequest | null> {
  const [row] = await ctx.sql.rows<RequestRow>(
    `select code, device_id, device_name, app_name, app_version, user_id, created_at
     from media_quick_connect where secret_hash = ? and expires_at > ?`,
    [sha256(secret), ctx.sql.date(ctx.clock.now())],
  );
  return row === undefined ? null : requestOf(secret, row);
}

/** What a code's live request is, without changing it. */
export async function codeState(ctx: DirectoryContext, code: string): Promise<QuickConnectCodeState> {
  const [row] = await ctx.sql.rows<{ user_id: string | null }>(
    'select user_id from media_quick_connect where code = ? and expires_at > ?',
    [code, ctx.sql.date(ctx.clock.now())],
  );
  if (row === undefined) return 'unknown';
  return row.user_id === null ? 'pending' : 'authorized';
}

/** Authorizes a live, not yet authorized code for the user, in one conditional update. */
export async function authorizeCode(ctx: DirectoryContext, code: string, userId: string): Promise<void> {
  const id = normalizeGuid(userId);
  if (!id) throw new SsoError('user_not_found', 'no such user', { step: 'session' });
  const now = ctx.sql.date(ctx.clock.now());
  const taken = await ctx.sql.rows(
    `update media_quick_connect set user_id = ?, authorized_at = ?
     where code = ? and expires_at > ? and user_id is null returning code`,
    [id, now, code, now],
  );
  if (taken.length > 0) return;
  // Nothing changed: say why, from the request as it is now.
  if ((await codeState(ctx, code)) === 'authorized') throw deviceCodeUsed();
  throw deviceCodeUnknown();
}

/**
 * The session of an authorized request, for the device that initiated it; once. The request is marked used
 * before the session is made: a TV whose exchange fails starts again rather than two sessions being made.
 */
export async function exchangeRequest(
  ctx: DirectoryContext,
  secret: string,
  createSession: (userId: string, device: DeviceInfo) => Promise<AuthenticationResult>,
): Promise<AuthenticationResult | null> {
  const now = ctx.sql.date(ctx.clock.now());
  const [row] = await ctx.sql.rows<RequestRow & { secret_hash: string }>(
    `update media_quick_connect set used_at = ?
     where secret_hash = ? and expires_at > ? and user_id is not null and used_at is null
     returning secret_hash, code, device_id, device_name, app_name, app_version, user_id, created_at`,
    [now, sha256(secret), now],
  );
  if (row === undefined || row.user_id === null) return null;
  return createSession(row.user_id, requestOf(secret, row).device);
}
