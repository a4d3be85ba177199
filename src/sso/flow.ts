// The login flow: its states, the checks every step makes on it, and its moves, in one place.
//
//   start ──► started ──(IdP answer verified, roles allowed)──► verified ──(Link, once)──► consumed
//                 │                                                 │   ▲
//                 │                                       (Auth, once)   (no session made, or lease over)
//                 │                                                 ▼   │
//                 └──(IdP error, denied, bad answer)──► failed       claimed ──(session made)──► consumed
//
// Every open flow is gone at its expiry.
//
// A flow is persisted, bound to its provider and to the browser (an HttpOnly cookie whose hash the flow
// keeps), expires, and is consumed exactly once by one conditional update. The one-time token the page
// posts to Auth is a third secret, created only when the flow is verified. The session is made by the
// media server, which no database transaction covers: so Auth first claims the flow for one attempt with a
// short lease, and marks it consumed only once the session exists. If the attempt fails the flow goes back
// to verified; if the process dies the lease runs out. Either way the same token works again until the flow
// expires, and never twice.
// Only the browser that started a flow (a browser-bound answer: its cookie) or an answer that verified
// against it (a cross-site answer: its signature and request id) may move it to failed; anything else is
// refused and leaves the flow as it was.
import { randomBytes } from 'node:crypto';
import { sha256 } from './basics.js';
import { SsoError, type SsoErrorCode } from './errors.js';
import { tooManyOpenFlows } from './open-flows.js';
import type {
  BrowserBinding,
  ClaimedFlow,
  Clock,
  FlowPurpose,
  FlowSecretsOf,
  FlowStatus,
  FlowStore,
  IdpSession,
  LoginFlow,
  StartedFlow,
  StartedRedirect,
  VerifiedIdentity,
} from './ports.js';
import type { ProtocolName, ProviderOf, ProviderRecord } from './provider-settings.js';
import { sameSecret } from './same-secret.js';

/**
 * How long one Auth attempt holds its flow: waiting up to 30 s for a concurrent first sign-in's account
 * (accounts.ts), then a few media-server requests of at most 10 s each.
 */
export const AUTH_CLAIM_LEASE_MS = 90_000;

/** The cookie that binds a flow to the browser that started it; one per flow so two tabs do not clash. */
export function flowCookieName(flowId: string): string {
  return `sso_flow_${flowId}`;
}

export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export function flowError(
  code: SsoErrorCode,
  message: string,
  step: 'state' | 'session' | 'authorize' = 'state',
): SsoError {
  return new SsoError(code, message, { step });
}

export interface FlowDeps {
  flows: FlowStore;
  clock: Clock;
  flowTtlSeconds: number;
}

/**
 * The caller's copy of the provider is older than the database's: a step that checks the version refuses
 * before it changes anything, and the step runs again with the provider read afresh (login.ts).
 */
export class ProviderChangedError extends Error {
  constructor() {
    super('the provider changed since it was read');
  }
}

/**
 * Stores a started flow in one statement, which also counts the client's open flows against
 * `maxOpenFlowsPerClient` (0: no limit) and checks that `provider` is still current; the browser keeps
 * `browserSecret` in the flow's cookie.
 */
export async function createFlow<P extends ProtocolName>(
  deps: FlowDeps & { maxOpenFlowsPerClient: number },
  request: {
    provider: ProviderOf<P>;
    clientKey: string;
    purpose: FlowPurpose;
    state: string;
    started: StartedRedirect<P>;
  },
): Promise<{ flowId: string; browserSecret: string }> {
  const now = deps.clock.now();
  const flowId = randomBytes(16).toString('hex');
  const browserSecret = randomToken();
  const created = await deps.flows.create({
    id: flowId,
    providerId: request.provider.id,
    providerName: request.provider.name,
    protocol: request.provider.protocol,
    purpose: request.purpose,
    stateHash: sha256(request.state),
    browserHash: sha256(browserSecret),
    clientKey: request.clientKey,
    samlRequestId: request.started.requestId,
    secrets: request.started.secrets,
    createdAt: now,
    expiresAt: new Date(now.getTime() + deps.flowTtlSeconds * 1000),
    providerVersion: request.provider.version,
    maxOpenPerClient: deps.maxOpenFlowsPerClient,
  });
  if (created === 'too_many_open') throw tooManyOpenFlows(deps);
  if (created === 'provider_changed') throw new ProviderChangedError();
  return { flowId, browserSecret };
}

/** The checks every flow lookup makes: provider, expiry, status. */
export function checkFlow(flow: LoginFlow, provider: ProviderRecord, expected: FlowStatus, now: Date): void {
  // A flow read with its provider's version tells a caller holding an older copy of that provider.
  const known = flow.providerVersion;
  if (known !== undefined && flow.providerId === provider.id && known !== provider.version) {
    throw new ProviderChangedError();
  }
  if (flow.providerId !== provider.id) {
    throw flowError(
      'provider_mismatch',
      'This sign-in was started with another provider. Start again from the login page.',
    );
  }
  if (flow.expiresAt.getTime() <= now.getTime()) {
    throw flowError('flow_expired', 'This sign-in has expired. Start again from the login page.');
  }
  if (flow.status !== expected) {
    throw flowError(
      'flow_used',
      'This sign-in was already used or has failed. Start again from the login page.',
    );
  }
}

/** The flow cookies a request carries, as the conditional consume matches them against the flow. */
function browserBindings(cookies: Record<string, string>): BrowserBinding[] {
  const prefix = flowCookieName('');
  return Object.entries(cookies)
    .filter(([name]) => name.startsWith(prefix))
    .map(([name, value]) => ({ flowId: name.slice(prefix.length), browserHash: sha256(value) }));
}

/** The browser binding: the request carries the cookie whose hash the flow keeps. */
export function checkBrowser(flow: LoginFlow, cookies: Record<string, string>): void {
  const cookie = cookies[flowCookieName(flow.id)];
  if (cookie === undefined || !sameSecret(sha256(cookie), flow.browserHash)) {
    throw flowError(
      'browser_mismatch',
      'This sign-in was started in another browser (or its cookie is missing). Start again in this browser.',
    );
  }
}

/** What the protocol's connector kept at start, checked to be of that protocol. */
export function startedFlow<P extends ProtocolName>(flow: LoginFlow, protocol: P): StartedFlow<P> {
  const secrets: FlowSecretsOf<ProtocolName> = flow.secrets;
  if (!isSecretsOf(secrets, protocol)) {
    throw new SsoError('internal', 'The login flow holds the secrets of another protocol.', {
      step: 'state',
    });
  }
  return { secrets, requestId: flow.samlRequestId };
}

function isSecretsOf<P extends ProtocolName>(
  secrets: FlowSecretsOf<ProtocolName>,
  protocol: P,
): secrets is FlowSecretsOf<P> {
  return secrets.protocol === protocol;
}

/** A flow an Auth attempt may take: verified, or claimed by an attempt whose lease ran out. */
function claimableStatus(flow: LoginFlow, now: Date): FlowStatus {
  return flow.status === 'claimed' &&
    flow.leaseExpiresAt !== null &&
    flow.leaseExpiresAt.getTime() <= now.getTime()
    ? 'claimed'
    : 'verified';
}

export interface ConsumeInput {
  provider: ProviderRecord;
  token: string;
  cookies: Record<string, string>;
  purpose: FlowPurpose;
  /** Auth: the attempt that claims the flow (with a lease). Absent: Link consumes it at once. */
  attemptId?: string;
  /** Told the flow the token names before it is checked, so a refusal can say whose sign-in it was. */
  found?: (flow: LoginFlow) => void;
}

/**
 * Consumes (Link) or claims for this attempt (Auth) the verified flow a one-time token names, in one
 * conditional update that carries every check: provider and its version, expiry, status, purpose and the
 * browser binding. Only when it takes nothing is the flow read, to say which check refused it.
 */
export async function consumeFlow(deps: FlowDeps, input: ConsumeInput): Promise<ClaimedFlow> {
  const { provider, purpose, attemptId } = input;
  const now = deps.clock.now();
  const request = {
    tokenHash: sha256(input.token),
    providerId: provider.id,
    now,
    purpose,
    browser: browserBindings(input.cookies),
    providerVersion: provider.version,
  };
  const taken =
    attemptId === undefined
      ? await deps.flows.consume(request)
      : await deps.flows.claim({
          ...request,
          attemptId,
          leaseUntil: new Date(now.getTime() + AUTH_CLAIM_LEASE_MS),
        });
  if (taken !== null) {
    input.found?.(taken);
    return taken;
  }
  throw await refusal(deps, input, request.tokenHash, now);
}

/** Why a flow's token cannot serve another step, by what the flow was started for. */
const PURPOSE_MISMATCH: Record<FlowPurpose, string> = {
  login: 'This sign-in was started to sign in and cannot link an account or a TV.',
  link: 'This sign-in was started to link an account and cannot sign you in.',
  device: 'This sign-in was started to sign a TV in and cannot be used for anything else.',
};

/** Why a token took no flow: the same checks, in the same order, on the flow as it is now. */
async function refusal(deps: FlowDeps, input: ConsumeInput, tokenHash: string, now: Date): Promise<Error> {
  const { provider, purpose, attemptId } = input;
  const flow = await deps.flows.findByTokenHash(tokenHash);
  if (flow === null) {
    return flowError(
      'flow_not_found',
      'This sign-in is unknown or was already used. Start again from the login page.',
      'session',
    );
  }
  input.found?.(flow);
  try {
    checkFlow(flow, provider, attemptId === undefined ? 'verified' : claimableStatus(flow, now), now);
    if (flow.purpose !== purpose) {
      throw flowError('flow_purpose_mismatch', PURPOSE_MISMATCH[flow.purpose], 'session');
    }
    checkBrowser(flow, input.cookies);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
  // Every check passes on the flow as it is now: another request took it first.
  return flowError('flow_used', 'This sign-in was already used. Start again from the login page.', 'session');
}

/** started → verified, with a fresh one-time token for the page to post; refused if no longer started. */
export async function verifyFlow(
  deps: FlowDeps,
  flow: LoginFlow,
  identity: VerifiedIdentity,
  idpSession?: IdpSession,
): Promise<string> {
  const token = randomToken();
  // The IdP session (an ID token among it) joins the sealed secrets, never the identity kept in clear.
  const secrets = idpSession === undefined ? {} : { secrets: { ...flow.secrets, idpSession } };
  const verified = await deps.flows.markVerified(
    flow.id,
    { identity, tokenHash: sha256(token), ...secrets },
    deps.clock.now(),
  );
  if (!verified) {
    throw flowError(
      'flow_used',
      'This sign-in was already used or has expired. Start again from the login page.',
    );
  }
  return token;
}
