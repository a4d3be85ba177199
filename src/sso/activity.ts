// The sign-in activity log's rules: what one login attempt's outcome is recorded as, and the recorder that
// writes it after the reply, so a slow or broken store neither delays nor fails a sign-in.
import { randomBytes } from 'node:crypto';
import { SsoError, type SsoErrorCode, type SsoStep } from './errors.js';
import type { ActivityEntry, ActivityOutcome, ActivityStore, Clock, Log } from './ports.js';
import type { ProtocolName } from './provider-settings.js';

/** The request an attempt came in, as the HTTP edge knows it. */
export interface RequestContext {
  clientAddress: string;
  requestId: string;
}

/** What a use case learns about the attempt as it goes, so a refusal names whom it refused. */
export interface AttemptTrail {
  subject: string | null;
  username: string | null;
  userId: string | null;
  linking: boolean;
}

/** The login step an attempt was in, and the step it is recorded at when its error names none. */
export interface AttemptStage {
  protocol: ProtocolName;
  provider: string;
  fallbackStep: SsoStep;
}

export function newTrail(linking: boolean): AttemptTrail {
  return { subject: null, username: null, userId: null, linking };
}

/** Codes that mean the service or an upstream could not finish, as opposed to a rule that said no. */
const FAILURE_CODES: ReadonlySet<SsoErrorCode> = new Set([
  'internal',
  'upstream_unavailable',
  'media_server_refused',
  'quick_connect_disabled',
  'not_implemented',
]);

export function outcomeOf(code: SsoErrorCode): ActivityOutcome {
  return FAILURE_CODES.has(code) ? 'failed' : 'refused';
}

/** Longest text kept per field: the values come from IdPs and browsers, so they are bounded here. */
const MAX_TEXT = 1000;

function bounded(value: string | null): string | null {
  return value === null ? null : value.slice(0, MAX_TEXT);
}

/**
 * A sortable id: the time in milliseconds (13 digits) then 16 random hex digits. Ids order as times do, and
 * digits and lower-case hex compare the same in every collation, so `before` pages identically everywhere.
 */
export function activityId(time: Date): string {
  return `${String(time.getTime()).padStart(13, '0')}${randomBytes(8).toString('hex')}`;
}

/** The stable id of the rule that refused, when the refusal names one (the structural checks of SAML). */
function ruleOf(error: SsoError): string | null {
  return error.rule?.id ?? null;
}

/** The entry of a refused or failed attempt. An unexpected throw is recorded as `internal`. */
export function refusalEntry(
  error: unknown,
  stage: AttemptStage,
  trail: AttemptTrail,
  request: RequestContext,
  time: Date,
): ActivityEntry {
  const known =
    error instanceof SsoError ? error : new SsoError('internal', 'Unexpected failure during a sign-in.');
  return {
    ...common(stage, trail, request, time),
    step: known.step ?? stage.fallbackStep,
    outcome: outcomeOf(known.code),
    code: known.code,
    reason: known.reason,
    message: known.message.slice(0, MAX_TEXT),
    rule: bounded(ruleOf(known)),
  };
}

/** The entry of a sign-in that made a session. */
export function successEntry(
  stage: AttemptStage,
  trail: AttemptTrail,
  request: RequestContext,
  time: Date,
): ActivityEntry {
  const who = trail.username ?? trail.userId ?? 'an unnamed user';
  return {
    ...common(stage, trail, request, time),
    step: 'session',
    outcome: 'success',
    code: null,
    reason: null,
    message: `Signed in as "${who}".`.slice(0, MAX_TEXT),
    rule: null,
  };
}

function common(stage: AttemptStage, trail: AttemptTrail, request: RequestContext, time: Date) {
  return {
    id: activityId(time),
    time,
    protocol: stage.protocol,
    provider: stage.provider.slice(0, MAX_TEXT),
    subject: bounded(trail.subject),
    username: bounded(trail.username),
    userId: bounded(trail.userId),
    clientAddress: request.clientAddress.slice(0, 100),
    requestId: request.requestId.slice(0, 100),
    linking: trail.linking,
  };
}

// ---------------------------------------------------------------------------------------------------------

export interface ActivityRecorder {
  /** Queues the entry; returns at once and never throws. */
  note(entry: ActivityEntry): void;
  /** Resolves once every entry queued so far was written or given up (tests, shutdown). */
  flush(): Promise<void>;
  readonly clock: Clock;
}

/** Entries waiting beyond this are dropped (with a warning): a store that is down must not grow memory. */
const MAX_QUEUED = 1000;

/**
 * Writes entries one after another, starting on the next turn of the event loop: the reply of the request
 * that noted one goes out first. A failed write is logged and dropped, never thrown into a request.
 */
export function createActivityRecorder(deps: {
  store: ActivityStore;
  clock: Clock;
  log: Log;
}): ActivityRecorder {
  const queue: ActivityEntry[] = [];
  let draining: Promise<void> | null = null;
  const drain = async (): Promise<void> => {
    await new Promise((resolve) => setImmediate(resolve));
    for (let entry = queue.shift(); entry !== undefined; entry = queue.shift()) {
      await deps.store.record(entry).catch((error: unknown) => {
        deps.log.warn({ err: error, requestId: entry?.requestId }, 'could not record sign-in activity');
      });
    }
    draining = null;
  };
  return {
    clock: deps.clock,
    note(entry) {
      if (queue.length >= MAX_QUEUED) {
        deps.log.warn({ requestId: entry.requestId }, 'sign-in activity dropped: too many entries waiting');
        return;
      }
      queue.push(entry);
      draining ??= drain();
    },
    flush: () => draining ?? Promise.resolve(),
  };
}

/**
 * Runs one step of a login attempt and notes its outcome: a refusal always, a success only when `success`
 * says so (a session was made). The step's own result or error passes through unchanged.
 */
export async function recordAttempt<T>(
  recorder: ActivityRecorder | undefined,
  attempt: {
    stage: AttemptStage;
    request: RequestContext | undefined;
    trail: AttemptTrail;
    success: boolean;
  },
  run: () => Promise<T>,
): Promise<T> {
  if (recorder === undefined) return run();
  const request = attempt.request ?? { clientAddress: 'unknown', requestId: 'unknown' };
  try {
    const result = await run();
    if (attempt.success) {
      recorder.note(successEntry(attempt.stage, attempt.trail, request, recorder.clock.now()));
    }
    return result;
  } catch (error) {
    recorder.note(refusalEntry(error, attempt.stage, attempt.trail, request, recorder.clock.now()));
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------

const HOUR_MS = 60 * 60_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Keeps the log to its retention: purges entries older than `retentionDays` now and every hour (0 keeps
 * nothing: everything is purged). The timer does not keep the process alive; `stop` ends it.
 */
export function startActivityRetention(deps: {
  store: ActivityStore;
  clock: Clock;
  log: Log;
  retentionDays: number;
}): { stop(): void } {
  const purge = (): void => {
    const cutoff = new Date(deps.clock.now().getTime() - deps.retentionDays * DAY_MS);
    deps.store.purge(cutoff).then(
      (count) => {
        if (count > 0) deps.log.debug({ count }, 'purged old sign-in activity');
      },
      (error: unknown) => deps.log.warn({ err: error }, 'purging sign-in activity failed'),
    );
  };
  purge();
  const timer = setInterval(purge, HOUR_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
