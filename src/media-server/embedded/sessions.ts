// Tokens of the embedded directory: resolving one (an API key or a session, stored as SHA-256 only) in one
// select, and minting a session as Jellyfin's AuthenticateDirect would, one per user and device.

import { sha256 } from '../../sso/basics.js';
import { SsoError, invalidField } from '../../sso/errors.js';
import type { AuthenticationResult, DeviceInfo, Principal } from '../../sso/ports.js';
import type { MediaUserRow } from '../../storage/entities.js';
import { randomHex32, type DirectoryContext } from './context.js';
import { normalizeGuid } from '../shared/jellyfin-rules.js';
import { toSessionDto, toUserDto, type ServerIdentity } from '../shared/jellyfin-shapes.js';
import { readNullableDate, type Sql, type SqlValue } from '../../storage/sql.js';
import { isUniqueViolation } from '../../storage/shared.js';
import { toDtoInput, toMediaUser, userFromColumns } from './users.js';

/** Jellyfin refreshes a token's last-activity at most this often (AuthorizationContext.cs). */
const ACTIVITY_REFRESH_MS = 3 * 60 * 1000;

/**
 * A session's id follows from its user and device, as Jellyfin derives a session's key from its device: a
 * new sign-in on the same device replaces the older session (and its token) in the same upsert.
 */
export function sessionId(userId: string, deviceId: string): string {
  return sha256(`${userId}\n${deviceId}`).slice(0, 32);
}

/** SQL that is true when the user row `alias` is not disabled (its policy is JSON text or jsonb). */
function enabledSql(sql: Sql, alias: string): string {
  return sql.dialect === 'postgresql'
    ? `coalesce((${alias}.policy->>'IsDisabled')::boolean, false) = false`
    : `coalesce(json_extract(${alias}.policy, '$.IsDisabled'), 0) = 0`;
}

/** The one row of the credential select: a key's columns, or a session's and its user's (`u.*`). */
type TokenRow = Record<string, unknown> & {
  key_id: string | null;
  key_name: string | null;
  session_id: string | null;
  session_activity: unknown;
};

/**
 * One indexed select per credential: the active API key with this hash, else the session with it and its
 * user. Nothing is cached, so a revoked key or a disabled user is refused at once on every instance.
 */
export async function resolveToken(ctx: DirectoryContext, token: string): Promise<Principal | null> {
  if (token === '') return null;
  const tokenHash = sha256(token);
  const [row] = await ctx.sql.rows<TokenRow>(
    `select k.id as key_id, k.name as key_name, s.id as session_id, s.last_activity_at as session_activity,
       u.*
     from (select 1 as probe) probe
     left join media_api_key k on k.token_hash = ? and k.revoked_at is null
     left join media_session s on k.id is null and s.token_hash = ?
     left join media_user u on u.id = s.user_id`,
    [tokenHash, tokenHash],
  );
  if (!row) return null;
  if (row.key_id !== null) return { kind: 'apiKey', keyId: row.key_id, name: row.key_name ?? '' };
  if (row.session_id === null || row['id'] == null) return null;
  const user = userFromColumns(row);
  // A disabled account's tokens are refused, as Jellyfin's AuthService does.
  if (user.policy.IsDisabled) return null;
  await refreshActivity(ctx, row.session_id, readNullableDate(row.session_activity), user);
  return { kind: 'user', user: toMediaUser(user) };
}

/** Conditional, so a busy token costs one write per 3 minutes, not one per request. */
async function refreshActivity(
  { sql, clock }: DirectoryContext,
  session: string,
  lastActivity: Date | null,
  user: MediaUserRow,
): Promise<void> {
  const now = clock.now();
  const stale = new Date(now.getTime() - ACTIVITY_REFRESH_MS);
  if (lastActivity !== null && lastActivity >= stale) return;
  await sql.rows('update media_session set last_activity_at = ? where id = ? and last_activity_at < ?', [
    sql.date(now),
    session,
    sql.date(stale),
  ]);
  if (user.lastActivityDate != null && user.lastActivityDate >= stale) return;
  await sql.rows(
    `update media_user set last_activity_date = ?
     where id = ? and (last_activity_date is null or last_activity_date < ?)`,
    [sql.date(now), user.id, sql.date(stale)],
  );
}

function userNotFound(): SsoError {
  return new SsoError('user_not_found', 'no such user', { step: 'session' });
}

function accountDisabled(): SsoError {
  return new SsoError('media_server_refused', 'this account is disabled', { step: 'session' });
}

/** A session row as it is written. */
interface NewSession {
  id: string;
  tokenHash: string;
  deviceId: string;
  deviceName: string;
  client: string;
  appVersion: string;
  createdAt: Date;
  lastActivityAt: Date;
}

/**
 * A new session on `device`: the user's older token for that device is logged out, as in Jellyfin. The
 * upsert writes only for an enabled user, so a session can never be made for a disabled one.
 */
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
  const session: NewSession = {
    id: sessionId(id, device.deviceId),
    tokenHash: sha256(token),
    deviceId: device.deviceId,
    deviceName: device.deviceName,
    client: device.appName,
    appVersion: device.appVersion,
    createdAt: now,
    lastActivityAt: now,
  };
  const user =
    ctx.sql.dialect === 'postgresql'
      ? await writeSessionInOne(ctx.sql, id, session)
      : await writeSessionInTwo(ctx.sql, id, session);
  return {
    User: toUserDto(toDtoInput(user), server),
    SessionInfo: toSessionDto({ ...session, userId: id, userName: user.name }, server),
    AccessToken: token,
    ServerId: server.id,
  };
}

/** The session upsert, reading the user's row from `source` (a table or a CTE named `u`). */
function sessionUpsert(sql: Sql, source: string): string {
  return `insert into media_session (id, token_hash, user_id, device_id, device_name, client, app_version,
      created_at, last_activity_at)
    select ?, ?, u.id, ?, ?, ?, ?, ?, ? from ${source} where u.id = ? and ${enabledSql(sql, 'u')}
    on conflict (id) do update set token_hash = excluded.token_hash, device_name = excluded.device_name,
      client = excluded.client, app_version = excluded.app_version, created_at = excluded.created_at,
      last_activity_at = excluded.last_activity_at
    returning id`;
}

function sessionValues(sql: Sql, userId: string, session: NewSession): SqlValue[] {
  return [
    session.id,
    session.tokenHash,
    session.deviceId,
    session.deviceName,
    session.client,
    session.appVersion,
    sql.date(session.createdAt),
    sql.date(session.lastActivityAt),
    userId,
  ];
}

/** PostgreSQL: the user's last login and the session in one statement (data-modifying CTEs). */
async function writeSessionInOne(sql: Sql, userId: string, session: NewSession): Promise<MediaUserRow> {
  const [row] = await sql.rows(
    `with u as (
       update media_user set last_login_date = ?, last_activity_date = ? where id = ? returning *
     ), written as (${sessionUpsert(sql, 'u')})
     select u.*, (select id from written) as written_id from u`,
    [
      sql.date(session.createdAt),
      sql.date(session.createdAt),
      userId,
      ...sessionValues(sql, userId, session),
    ],
  );
  if (!row) throw userNotFound();
  if (row['written_id'] == null) throw accountDisabled();
  return userFromColumns(row);
}

/** SQLite, which has no data-modifying CTEs: the user's last login, then the session upsert. */
async function writeSessionInTwo(sql: Sql, userId: string, session: NewSession): Promise<MediaUserRow> {
  const [row] = await sql.rows(
    'update media_user set last_login_date = ?, last_activity_date = ? where id = ? returning *',
    [sql.date(session.createdAt), sql.date(session.createdAt), userId],
  );
  if (!row) throw userNotFound();
  const user = userFromColumns(row);
  if (user.policy.IsDisabled) throw accountDisabled();
  const written = await sql.rows(sessionUpsert(sql, 'media_user u'), sessionValues(sql, userId, session));
  // Disabled between the two statements: the upsert's own condition refused it.
  if (written.length === 0) throw accountDisabled();
  return user;
}

/**
 * Sessions made before ids followed from (user, device) get that id, so the next sign-in on their device
 * replaces them; of two for one device, the older goes. Runs once per process, before the first session.
 */
export async function rekeyDeviceSessions(sql: Sql): Promise<void> {
  const rows = await sql.rows<{ id: string; user_id: string; device_id: string }>(
    'select id, user_id, device_id from media_session order by created_at desc',
  );
  for (const row of rows) {
    const id = sessionId(row.user_id, row.device_id);
    if (row.id === id) continue;
    try {
      await sql.rows('update media_session set id = ? where id = ?', [id, row.id]);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      await sql.rows('delete from media_session where id = ?', [row.id]);
    }
  }
}
