// Finishing a sign-in at the IdP's answer, for either protocol: find the flow the answer names, let the
// protocol's connector verify it, apply the role gate, and make the flow verified with a one-time token.
import { newTrail, type AttemptTrail } from './activity.js';
import { sha256 } from './basics.js';
import { inFlow, returningTo } from './errors.js';
import { checkBrowser, checkFlow, flowError, startedFlow, verifyFlow, type FlowDeps } from './flow.js';
import { enabledProvider } from './login-start.js';
import type {
  CallbackOf,
  Connector,
  Connectors,
  FlowPurpose,
  FlowReturnTo,
  LoginFlow,
  ProviderStore,
  VerifiedAnswer,
} from './ports.js';
import type { ProtocolName, ProviderOf, ProviderRecord } from './provider-settings.js';
import { decideSignIn } from './sign-in-decision.js';

export interface FinishDeps extends FlowDeps {
  providers: ProviderStore;
  connectors: Connectors;
}

/** What the page needs after the IdP answered: the one-time token and what kind of flow it is. */
export interface VerifiedLogin {
  kind: 'verified';
  flowId: string;
  token: string;
  isLinking: boolean;
  /** What the flow was started for: the page that follows differs for a TV's code (`device`). */
  purpose: FlowPurpose;
  /** The page a linking flow goes back to when done (its start's `returnTo`); null: none. */
  returnTo: FlowReturnTo | null;
  username: string | null;
}

/**
 * The IdP's answer to a flow this same browser already finished (its sign-in page reloaded): nothing
 * changes, and the page says so instead of calling it a failure.
 */
export interface AlreadyFinishedLogin {
  kind: 'already-finished';
  flowId: string;
  isLinking: boolean;
  purpose: FlowPurpose;
  returnTo: FlowReturnTo | null;
}

export type FinishedLogin = VerifiedLogin | AlreadyFinishedLogin;

export interface FinishInput<P extends ProtocolName> {
  providerName: string;
  callback: CallbackOf<P>;
  /** The browser's cookies, for answers that come back through it (see `answerIsBrowserBound`). */
  cookies: Record<string, string>;
}

export async function finishLogin<P extends ProtocolName>(
  deps: FinishDeps,
  protocol: P,
  input: FinishInput<P>,
  trail: AttemptTrail = newTrail(false),
): Promise<FinishedLogin> {
  const provider = await enabledProvider(deps.providers, protocol, input.providerName, 'state');
  const connector = deps.connectors[protocol];
  const flow = await findNamedFlow(deps, connector, provider, input.callback);
  trail.linking = flow.purpose === 'link';
  if (connector.answerIsBrowserBound && finishedHere(flow, provider, input.cookies, deps.clock.now())) {
    return {
      kind: 'already-finished',
      flowId: flow.id,
      isLinking: flow.purpose === 'link',
      purpose: flow.purpose,
      returnTo: returnToOf(flow),
    };
  }
  try {
    checkFlow(flow, provider, 'started', deps.clock.now());
  } catch (error) {
    throw returningTo(error, flow.secrets.returnTo);
  }
  // A browser-bound answer may fail its flow: only the browser that started it can bring it. An answer
  // posted cross-site is unauthenticated and names the flow by public values (RelayState and the request id
  // both travel in the request URL): its refusal must leave the flow as it is, or anyone could spoil another
  // person's sign-in by posting junk that names it. Only an answer that verified against this flow may
  // change it, which `admit` does (denied: failed; allowed: verified).
  if (connector.answerIsBrowserBound) checkBrowserOf(flow, input.cookies);
  let answer: VerifiedAnswer;
  try {
    answer = await connector.finish(provider, input.callback, startedFlow(flow, protocol));
  } catch (error) {
    if (connector.answerIsBrowserBound) await deps.flows.markFailed(flow.id);
    throw inFlow(error, flow.id, flow.secrets.returnTo);
  }
  trail.subject = answer.subject;
  trail.username = answer.preferredUsername;
  return admit(deps, flow, provider, answer).catch((error: unknown) => {
    throw inFlow(error, flow.id, flow.secrets.returnTo);
  });
}

/** The page a linking flow returns to; only a linking flow has one. */
function returnToOf(flow: LoginFlow): FlowReturnTo | null {
  return flow.purpose === 'link' ? (flow.secrets.returnTo ?? null) : null;
}

/** A flow this browser finished (consumed, its cookie still here), of this provider and not expired. */
function finishedHere(
  flow: LoginFlow,
  provider: ProviderRecord,
  cookies: Record<string, string>,
  now: Date,
): boolean {
  if (flow.status !== 'consumed' || flow.providerId !== provider.id) return false;
  if (flow.expiresAt.getTime() <= now.getTime()) return false;
  try {
    checkBrowser(flow, cookies);
    return true;
  } catch {
    return false;
  }
}

/** The browser binding; its refusal names the flow for the log. */
function checkBrowserOf(flow: LoginFlow, cookies: Record<string, string>): void {
  try {
    checkBrowser(flow, cookies);
  } catch (error) {
    throw inFlow(error, flow.id, flow.secrets.returnTo);
  }
}

/** The flow an answer names: by its state, or else by the id of the request it answers. */
async function findNamedFlow<P extends ProtocolName>(
  deps: FinishDeps,
  connector: Connector<P>,
  provider: ProviderOf<P>,
  callback: CallbackOf<P>,
): Promise<LoginFlow> {
  const pointer = connector.locate(callback);
  let flow: LoginFlow | null = null;
  if (pointer.state !== null) flow = await deps.flows.findByStateHash(sha256(pointer.state));
  if (flow === null) {
    const requestId = pointer.requestId();
    if (requestId !== null) flow = await deps.flows.findBySamlRequestId(provider.id, requestId);
  }
  if (flow === null) {
    throw flowError('flow_not_found', 'This sign-in is unknown or too old. Start again from the login page.');
  }
  return flow;
}

/** Role gate and one-time token: the end of an IdP answer that proved an identity. */
async function admit(
  deps: FinishDeps,
  flow: LoginFlow,
  provider: ProviderRecord,
  answer: VerifiedAnswer,
): Promise<VerifiedLogin> {
  // The IdP session holds secrets (an ID token): it goes with the sealed secrets, not the identity.
  const { idpSession, ...identity } = answer;
  const { refusal } = decideSignIn(identity, provider.settings);
  if (refusal !== null) {
    await deps.flows.markFailed(flow.id);
    throw refusal;
  }
  const token = await verifyFlow(deps, flow, identity, idpSession);
  return {
    kind: 'verified',
    flowId: flow.id,
    token,
    isLinking: flow.purpose === 'link',
    purpose: flow.purpose,
    returnTo: returnToOf(flow),
    username: identity.preferredUsername,
  };
}
