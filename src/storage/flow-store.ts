// FlowStore (src/sso/ports.ts) on the database: login flows, started → verified → consumed (or failed),
// expiring; an Auth goes verified → claimed (one attempt, with a lease) → consumed once its session exists,
// or back to verified when it could not be made. Every transition is ONE conditional UPDATE whose WHERE
// carries the expected status (and expiry, token, provider, purpose and browser binding where they matter),
// so concurrent requests, on one instance or many sharing a database, cannot both win; and a start is ONE
// INSERT that also checks the client's open flows and the provider's version. The statements are written by
// hand (./sql.ts) with bound parameters: these are the steps every sign-in takes. Flow secrets (PKCE
// verifier, nonce, …) are sealed by the SecretBox; the client that started a flow is kept only as a keyed
// hash, enough to count its open flows.

import type {
  ClaimedFlow,
  ClaimRequest,
  ConsumeRequest,
  FlowCreated,
  FlowPurpose,
  FlowSecrets,
  FlowStatus,
  FlowStore,
  LoginFlow,
  NewLoginFlow,
} from '../sso/ports.js';
import { withProviderVersion } from '../sso/ports.js';
import type { ProtocolName } from '../sso/provider-settings.js';
import { LoginFlowEntity } from './entities.js';
import type { Orm } from './orm.js';
import type { SecretBox } from './secret-box.js';
import { isUniqueViolation, storageError, withStorageErrors, type StoreDeps } from './shared.js';
import { readDate, readJson, readNullableDate, sqlOf, type Sql, type SqlValue } from './sql.js';
import { flowClash, OPEN_FLOW_STATUSES } from './store-rules.js';

function secretsContext(id: string): string {
  return `flow-secrets:${id}`;
}

function clientHash(box: SecretBox, clientKey: string): string {
  return box.mac(clientKey, 'flow-client');
}

/** A row of sso_login_flow as the statements below return it. */
interface FlowRow {
  id: string;
  provider_id: string;
  provider_name: string;
  protocol: string;
  purpose: string;
  status: string;
  state_hash: string;
  browser_hash: string;
  saml_request_id: string | null;
  secrets: string;
  identity: unknown;
  token_hash: string | null;
  lease_expires_at: unknown;
  created_at: unknown;
  expires_at: unknown;
  provider_version?: string | null;
}

/** The columns a flow is read with, and the current version of its provider. */
const FLOW_COLUMNS =
  'id, provider_id, provider_name, protocol, purpose, status, state_hash, browser_hash, saml_request_id, ' +
  'secrets, identity, token_hash, lease_expires_at, created_at, expires_at, ' +
  '(select version from sso_provider where sso_provider.id = sso_login_flow.provider_id) as provider_version';

const OPEN_STATUSES = OPEN_FLOW_STATUSES.map((status) => `'${status}'`).join(', ');

// The row holds what `create` and `markVerified` wrote, which the port typed: the narrow types are known.
function toFlow(box: SecretBox, row: FlowRow): LoginFlow {
  const flow: LoginFlow = {
    id: row.id,
    providerId: row.provider_id,
    providerName: row.provider_name,
    protocol: row.protocol as ProtocolName,
    purpose: row.purpose as FlowPurpose,
    status: row.status as FlowStatus,
    stateHash: row.state_hash,
    browserHash: row.browser_hash,
    samlRequestId: row.saml_request_id ?? null,
    // Flows stored before secrets named their protocol lack the field; the row's protocol says which it is.
    secrets: {
      protocol: row.protocol,
      ...JSON.parse(box.open(row.secrets, secretsContext(row.id))),
    } as FlowSecrets,
    identity: row.identity === null ? null : readJson(row.identity),
    tokenHash: row.token_hash ?? null,
    leaseExpiresAt: readNullableDate(row.lease_expires_at),
    createdAt: readDate(row.created_at),
    expiresAt: readDate(row.expires_at),
  };
  return withProviderVersion(flow, row.provider_version ?? null);
}

interface FlowDeps {
  sql: Sql;
  box: SecretBox;
}

function findOne({ sql, box }: FlowDeps, where: string, bindings: SqlValue[]): Promise<LoginFlow | null> {
  return withStorageErrors('reading a login flow', 'state', async () => {
    const [row] = await sql.rows<FlowRow>(
      `select ${FLOW_COLUMNS} from sso_login_flow where ${where}`,
      bindings,
    );
    return row ? toFlow(box, row) : null;
  });
}

/** The conditions a new flow is stored under, each only when the caller asks for it. */
function createConditions({ sql, box }: FlowDeps, flow: NewLoginFlow) {
  const conditions: string[] = [];
  const bindings: SqlValue[] = [];
  if (flow.providerVersion !== undefined) {
    conditions.push('exists (select 1 from sso_provider where id = ? and version = ?)');
    bindings.push(flow.providerId, flow.providerVersion);
  }
  if (flow.maxOpenPerClient !== undefined && flow.maxOpenPerClient > 0) {
    conditions.push(
      `(select count(*) from sso_login_flow where client_hash = ? and status in (${OPEN_STATUSES}) ` +
        'and expires_at > ?) < ?',
    );
    bindings.push(clientHash(box, flow.clientKey), sql.date(flow.createdAt), flow.maxOpenPerClient);
  }
  return { where: conditions.length === 0 ? '' : `where ${conditions.join(' and ')}`, bindings };
}

async function create(deps: FlowDeps, flow: NewLoginFlow): Promise<FlowCreated> {
  const { sql, box } = deps;
  const date = sql.datePlaceholder;
  const conditions = createConditions(deps, flow);
  try {
    // INSERT … SELECT … WHERE: the open-flow count and the provider's version are read by the insert itself.
    const inserted = await sql.rows<{ id: string }>(
      'insert into sso_login_flow (id, provider_id, provider_name, protocol, purpose, status, state_hash, ' +
        'browser_hash, saml_request_id, secrets, client_hash, created_at, expires_at) ' +
        `select ?, ?, ?, ?, ?, 'started', ?, ?, ?, ?, ?, ${date}, ${date} ${conditions.where} returning id`,
      [
        flow.id,
        flow.providerId,
        flow.providerName,
        flow.protocol,
        flow.purpose,
        flow.stateHash,
        flow.browserHash,
        flow.samlRequestId,
        box.seal(JSON.stringify(flow.secrets), secretsContext(flow.id)),
        clientHash(box, flow.clientKey),
        sql.date(flow.createdAt),
        sql.date(flow.expiresAt),
        ...conditions.bindings,
      ],
    );
    if (inserted.length === 1) return 'created';
  } catch (error) {
    if (isUniqueViolation(error)) throw flowClash(error);
    throw storageError(error, 'creating a login flow', 'start');
  }
  return refusedCreate(deps, flow);
}

/** Why a conditional insert stored nothing (a refusal: one more read is fine here). */
async function refusedCreate({ sql }: FlowDeps, flow: NewLoginFlow): Promise<FlowCreated> {
  if (flow.providerVersion === undefined) return 'too_many_open';
  const current = await withStorageErrors('creating a login flow', 'start', () =>
    sql.rows<{ version: string }>('select version from sso_provider where id = ?', [flow.providerId]),
  );
  return current[0]?.version === flow.providerVersion ? 'too_many_open' : 'provider_changed';
}

/** One conditional UPDATE … RETURNING; true when it changed the row. */
async function changed(sql: Sql, update: string, bindings: SqlValue[]): Promise<boolean> {
  return (await sql.rows(`${update} returning id`, bindings)).length === 1;
}

function markVerified(
  { sql, box }: FlowDeps,
  id: string,
  result: Parameters<FlowStore['markVerified']>[1],
  now: Date,
): Promise<boolean> {
  const secrets = result.secrets && box.seal(JSON.stringify(result.secrets), secretsContext(id));
  return withStorageErrors('marking a login flow verified', 'verify', () =>
    changed(
      sql,
      "update sso_login_flow set status = 'verified', identity = ?, token_hash = ?, " +
        "secrets = coalesce(?, secrets) where id = ? and status = 'started' and expires_at > ?",
      [JSON.stringify(result.identity), result.tokenHash, secrets ?? null, id, sql.date(now)],
    ),
  );
}

/** The WHERE of a consume or a claim: the single winner matches every condition of the request. */
function redeemable(sql: Sql, request: ConsumeRequest, statuses: { sql: string; bindings: SqlValue[] }) {
  const conditions = ['token_hash = ?', 'provider_id = ?', 'expires_at > ?', statuses.sql];
  const bindings: SqlValue[] = [request.tokenHash, request.providerId, sql.date(request.now)];
  bindings.push(...statuses.bindings);
  if (request.purpose !== undefined) {
    conditions.push('purpose = ?');
    bindings.push(request.purpose);
  }
  if (request.browser !== undefined) {
    // No flow cookie at all matches nothing: `1 = 0` keeps the statement well-formed.
    const pairs = request.browser.map(() => '(id = ? and browser_hash = ?)');
    conditions.push(pairs.length === 0 ? '1 = 0' : `(${pairs.join(' or ')})`);
    for (const { flowId, browserHash } of request.browser) bindings.push(flowId, browserHash);
  }
  if (request.providerVersion !== undefined) {
    conditions.push(
      'exists (select 1 from sso_provider where sso_provider.id = provider_id and version = ?)',
    );
    bindings.push(request.providerVersion);
  }
  return { where: conditions.join(' and '), bindings };
}

async function takeOne(
  { sql, box }: FlowDeps,
  set: { sql: string; bindings: SqlValue[] },
  where: { where: string; bindings: SqlValue[] },
): Promise<LoginFlow | null> {
  const [row] = await sql.rows<FlowRow>(
    `update sso_login_flow set ${set.sql} where ${where.where} returning ${FLOW_COLUMNS}`,
    [...set.bindings, ...where.bindings],
  );
  return row ? toFlow(box, row) : null;
}

/** The columns of the identity's complete link, read by the claim itself: what Auth looks up next. */
function linkColumns(sql: Sql): string {
  const subject = sql.jsonText('sso_login_flow.identity', 'subject');
  const of = (column: string) =>
    `(select l.${column} from sso_account_link l where l.provider_id = sso_login_flow.provider_id ` +
    `and l.subject = ${subject} and l.claim_id is null) as link_${column}`;
  return [of('user_id'), of('label'), of('created_at')].join(', ');
}

interface LinkColumns {
  link_user_id: string | null;
  link_label: string | null;
  link_created_at: unknown;
}

function toClaimedFlow(box: SecretBox, row: FlowRow & LinkColumns): ClaimedFlow {
  const flow: ClaimedFlow = toFlow(box, row);
  flow.link =
    row.link_user_id === null || flow.identity === null
      ? null
      : {
          providerId: flow.providerId,
          providerName: flow.providerName,
          protocol: flow.protocol,
          subject: flow.identity.subject,
          userId: row.link_user_id,
          label: row.link_label ?? null,
          createdAt: readDate(row.link_created_at),
        };
  return flow;
}

function consume(deps: FlowDeps, request: ConsumeRequest) {
  return withStorageErrors('consuming a login flow', 'session', () =>
    takeOne(
      deps,
      { sql: "status = 'consumed'", bindings: [] },
      redeemable(deps.sql, request, { sql: "status = 'verified'", bindings: [] }),
    ),
  );
}

function claim({ sql, box }: FlowDeps, request: ClaimRequest): Promise<ClaimedFlow | null> {
  // The single winner: a verified flow, or a claimed one whose attempt's lease ran out.
  const where = redeemable(sql, request, {
    sql: "(status = 'verified' or (status = 'claimed' and lease_expires_at <= ?))",
    bindings: [sql.date(request.now)],
  });
  return withStorageErrors('claiming a login flow', 'session', async () => {
    const [row] = await sql.rows<FlowRow & LinkColumns>(
      'update sso_login_flow set status = ?, attempt_id = ?, lease_expires_at = ? ' +
        `where ${where.where} returning ${FLOW_COLUMNS}, ${linkColumns(sql)}`,
      ['claimed', request.attemptId, sql.date(request.leaseUntil), ...where.bindings],
    );
    return row ? toClaimedFlow(box, row) : null;
  });
}

/** claimed (by `attemptId`) → `status`, in one conditional update; false when the attempt lost its claim. */
function endClaim(
  { sql }: FlowDeps,
  { id, attemptId }: { id: string; attemptId: string },
  status: 'consumed' | 'verified',
): Promise<boolean> {
  const what = status === 'consumed' ? 'consuming a login flow' : 'releasing a login flow';
  return withStorageErrors(what, 'session', () =>
    changed(
      sql,
      'update sso_login_flow set status = ?, attempt_id = null, lease_expires_at = null ' +
        "where id = ? and status = 'claimed' and attempt_id = ?",
      [status, id, attemptId],
    ),
  );
}

function listOpen({ sql, box }: FlowDeps, protocol: ProtocolName, now: Date): Promise<LoginFlow[]> {
  return withStorageErrors('listing login flows', 'admin', async () => {
    const rows = await sql.rows<FlowRow>(
      `select ${FLOW_COLUMNS} from sso_login_flow where protocol = ? and status in (${OPEN_STATUSES}) ` +
        'and expires_at > ? order by created_at asc, id asc',
      [protocol, sql.date(now)],
    );
    return rows.map((row) => toFlow(box, row));
  });
}

function countOpenByClient({ sql, box }: FlowDeps, clientKey: string, now: Date): Promise<number> {
  return withStorageErrors('counting open login flows', 'start', async () => {
    const [row] = await sql.rows<{ open: number | string }>(
      `select count(*) as open from sso_login_flow where client_hash = ? and status in (${OPEN_STATUSES}) ` +
        'and expires_at > ?',
      [clientHash(box, clientKey), sql.date(now)],
    );
    return Number(row?.open ?? 0); // PostgreSQL's count is a bigint, which pg hands back as text
  });
}

// Not a sign-in step: through the ORM, which reports how many rows went on both dialects.
function purgeExpired(orm: Orm, now: Date): Promise<number> {
  return withStorageErrors('purging login flows', undefined, () =>
    orm.em.fork().nativeDelete(LoginFlowEntity, { expiresAt: { $lte: now } }),
  );
}

export function createFlowStore({ orm, box }: StoreDeps): FlowStore {
  const deps: FlowDeps = { sql: sqlOf(orm), box };
  return {
    create: (flow) => create(deps, flow),
    findByStateHash: (stateHash) => findOne(deps, 'state_hash = ?', [stateHash]),
    findBySamlRequestId: (providerId, samlRequestId) =>
      findOne(deps, 'provider_id = ? and saml_request_id = ?', [providerId, samlRequestId]),
    findByTokenHash: (tokenHash) => findOne(deps, 'token_hash = ?', [tokenHash]),
    markVerified: (id, result, now) => markVerified(deps, id, result, now),
    markFailed: (id) =>
      withStorageErrors('marking a login flow failed', 'state', async () => {
        await deps.sql.rows(
          "update sso_login_flow set status = 'failed' where id = ? and status = 'started'",
          [id],
        );
      }),
    consume: (request) => consume(deps, request),
    claim: (request) => claim(deps, request),
    finishClaim: (id, attemptId) => endClaim(deps, { id, attemptId }, 'consumed'),
    releaseClaim: async (id, attemptId) => void (await endClaim(deps, { id, attemptId }, 'verified')),
    listOpen: (protocol, now) => listOpen(deps, protocol, now),
    countOpenByClient: (clientKey, now) => countOpenByClient(deps, clientKey, now),
    purgeExpired: (now) => purgeExpired(orm, now),
  };
}
