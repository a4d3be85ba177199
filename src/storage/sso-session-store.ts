// SsoSessionStore (src/sso/ports.ts) on the database: one record per media-server session an SSO sign-in
// made, keyed by a hash of (user, device) so a new sign-in on a device replaces the record in one upsert.
// The OIDC ID token is sealed by the SecretBox, bound to the record's id (a sealed token copied into another
// row does not open there). Hand-written statements (./sql.ts): Auth writes one per sign-in.

import { sha256 } from '../sso/basics.js';
import type { IdpSessionQuery, SsoSession, SsoSessionStore } from '../sso/ports.js';
import type { ProtocolName } from '../sso/provider-settings.js';
import { SsoSessionEntity } from './entities.js';
import type { SecretBox } from './secret-box.js';
import { withStorageErrors, type StoreDeps } from './shared.js';
import { readDate, sqlOf, type Sql } from './sql.js';

/** The record's id: one per (user, device). */
export function ssoSessionId(userId: string, deviceId: string): string {
  return sha256(JSON.stringify([userId, deviceId]));
}

function idTokenContext(id: string): string {
  return `sso-session-id-token:${id}`;
}

interface SessionRow {
  id: string;
  user_id: string;
  device_id: string;
  provider_id: string;
  protocol: string;
  subject: string;
  sid: string | null;
  id_token: string | null;
  name_id_format: string | null;
  created_at: unknown;
  expires_at: unknown;
}

const COLUMNS =
  'id, user_id, device_id, provider_id, protocol, subject, sid, id_token, name_id_format, created_at, expires_at';

function toSession(box: SecretBox, row: SessionRow): SsoSession {
  return {
    userId: row.user_id,
    deviceId: row.device_id,
    providerId: row.provider_id,
    protocol: row.protocol as ProtocolName, // written by save, which takes a ProtocolName
    subject: row.subject,
    sid: row.sid ?? null,
    idToken: row.id_token === null ? null : box.open(row.id_token, idTokenContext(row.id)),
    nameIdFormat: row.name_id_format ?? null,
    createdAt: readDate(row.created_at),
    expiresAt: readDate(row.expires_at),
  };
}

function save(sql: Sql, box: SecretBox, session: SsoSession): Promise<void> {
  const id = ssoSessionId(session.userId, session.deviceId);
  const idToken = session.idToken === null ? null : box.seal(session.idToken, idTokenContext(id));
  return withStorageErrors('recording an SSO session', 'session', async () => {
    // A provider deleted meanwhile inserts nothing (the select finds no provider), rather than failing.
    await sql.rows(
      `insert into sso_session (${COLUMNS}) select ?, ?, ?, p.id, ?, ?, ?, ?, ?, ?, ? from sso_provider p ` +
        'where p.id = ? on conflict (id) do update set provider_id = excluded.provider_id, ' +
        'protocol = excluded.protocol, subject = excluded.subject, sid = excluded.sid, ' +
        'id_token = excluded.id_token, name_id_format = excluded.name_id_format, ' +
        'created_at = excluded.created_at, expires_at = excluded.expires_at',
      [
        id,
        session.userId,
        session.deviceId,
        session.protocol,
        session.subject,
        session.sid,
        idToken,
        session.nameIdFormat,
        sql.date(session.createdAt),
        sql.date(session.expiresAt),
        session.providerId,
      ],
    );
  });
}

function findByIdpSession(sql: Sql, box: SecretBox, query: IdpSessionQuery): Promise<SsoSession[]> {
  const where = ['provider_id = ?'];
  const bindings: string[] = [query.providerId];
  if (query.subject !== null) {
    where.push('subject = ?');
    bindings.push(query.subject);
  }
  if (query.sid !== null && query.sid !== undefined) {
    where.push('sid = ?');
    bindings.push(query.sid);
  }
  // Neither a subject nor a sid names no IdP session: nothing matches (not every session of the provider).
  if (bindings.length === 1) return Promise.resolve([]);
  return withStorageErrors('reading SSO sessions', 'session', async () => {
    const rows = await sql.rows<SessionRow>(
      `select ${COLUMNS} from sso_session where ${where.join(' and ')} order by created_at, id`,
      bindings,
    );
    return rows.map((row) => toSession(box, row));
  });
}

export function createSsoSessionStore({ orm, box }: Pick<StoreDeps, 'orm' | 'box'>): SsoSessionStore {
  const sql = sqlOf(orm);
  return {
    save: (session) => save(sql, box, session),
    findByDevice: (userId, deviceId, now) =>
      withStorageErrors('reading an SSO session', 'session', async () => {
        const [row] = await sql.rows<SessionRow>(
          `select ${COLUMNS} from sso_session where id = ? and expires_at > ?`,
          [ssoSessionId(userId, deviceId), sql.date(now)],
        );
        return row === undefined ? null : toSession(box, row);
      }),
    findByIdpSession: (query) => findByIdpSession(sql, box, query),
    // Deletes through the ORM, which counts the rows on both dialects (the SQLite driver answers a
    // hand-written DELETE … RETURNING with no rows).
    delete: (userId, deviceId) =>
      withStorageErrors('deleting an SSO session', 'session', async () => {
        const id = ssoSessionId(userId, deviceId);
        return (await orm.em.fork().nativeDelete(SsoSessionEntity, { id })) === 1;
      }),
    purgeExpired: (now) =>
      withStorageErrors('purging SSO sessions', undefined, () =>
        orm.em.fork().nativeDelete(SsoSessionEntity, { expiresAt: { $lte: now } }),
      ),
  };
}
