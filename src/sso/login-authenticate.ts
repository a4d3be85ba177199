// The last steps of a verified flow: Auth (claim the flow, make or find the account, write its policy, mint
// the session), a TV's code (the same account decision, then the code is authorized) and Link (consume the
// flow and hand its identity to the link rules).
import { randomBytes } from 'node:crypto';
import { applyDecision } from './access.js';
import { newTrail, type AttemptTrail } from './activity.js';
import { ensureAccount, type AccountDeps } from './accounts.js';
import { SsoError } from './errors.js';
import { consumeFlow, flowError, type FlowDeps } from './flow.js';
import type {
  AccessDecision,
  AccountLink,
  AuthenticationResult,
  ClaimedFlow,
  DeviceInfo,
  FlowPurpose,
  LinkStore,
  LoginFlow,
  MediaUser,
  ProviderStore,
  SsoSessionStore,
  VerifiedIdentity,
} from './ports.js';
import { providerNotFound } from './provider-admin.js';
import type { ProtocolName, ProviderRecord } from './provider-settings.js';
import { admittedAccess } from './sign-in-decision.js';
import { recordSsoSession } from './sso-sessions.js';

export interface AuthenticateDeps extends FlowDeps, AccountDeps {
  providers: ProviderStore;
  /** Where each session a sign-in made is recorded, for single logout (sso-sessions.ts). */
  ssoSessions: SsoSessionStore;
  /** Called after a session is minted, for best-effort work such as avatars; never fails the login. */
  afterLogin?: (user: MediaUser, identity: VerifiedIdentity) => Promise<void>;
}

export interface TokenInput {
  protocol: ProtocolName;
  providerName: string;
  token: string;
  cookies: Record<string, string>;
}

export async function authenticate(
  deps: AuthenticateDeps,
  input: TokenInput & { device: DeviceInfo },
  trail: AttemptTrail = newTrail(false),
): Promise<AuthenticationResult> {
  const { result, user, flow } = await inClaimedFlow(deps, input, 'login', trail, (provider, claimed) =>
    signIn(deps, provider, claimed, input.device, trail),
  );
  await recordSsoSession(deps, flow, { userId: user.id, device: input.device });
  if (deps.afterLogin !== undefined && flow.identity !== null) {
    await deps.afterLogin(user, flow.identity).catch((error: unknown) => {
      deps.warn?.({ userId: user.id, err: error }, 'after-login step failed');
    });
  }
  return result;
}

/**
 * A TV's sign-in (flow purpose `device`): the same account decision as Auth, then the TV's Quick Connect
 * code, kept sealed with the flow, is authorized for the user instead of a session being made here. A
 * refused user is refused before anything is authorized.
 */
export async function authorizeDevice(
  deps: AuthenticateDeps,
  input: TokenInput,
  trail: AttemptTrail = newTrail(false),
): Promise<{ user: MediaUser }> {
  const authorizeCode = deps.mediaServer.authorizeQuickConnect?.bind(deps.mediaServer);
  if (authorizeCode === undefined) {
    throw new SsoError('quick_connect_disabled', 'This media server cannot authorize Quick Connect codes.', {
      step: 'session',
    });
  }
  const { user } = await inClaimedFlow(deps, input, 'device', trail, async (provider, flow) => {
    const code = flow.secrets.deviceCode;
    if (code === undefined) {
      throw new SsoError('internal', 'A device sign-in holds no code.', { step: 'session' });
    }
    const admitted = await admitAccount(deps, provider, flow, trail);
    await authorizeCode(code, admitted.id);
    return { result: null, user: admitted };
  });
  return { user };
}

/**
 * Claims the verified flow of `purpose` for one attempt, runs `work` on it, and finishes the claim once the
 * work is done; a failed attempt gives the flow back (the same token may be tried again).
 */
async function inClaimedFlow<R>(
  deps: AuthenticateDeps,
  input: TokenInput,
  purpose: FlowPurpose,
  trail: AttemptTrail,
  work: (provider: ProviderRecord, flow: ClaimedFlow) => Promise<{ result: R; user: MediaUser }>,
): Promise<{ result: R; user: MediaUser; flow: ClaimedFlow }> {
  const attemptId = randomBytes(16).toString('hex');
  const { provider, flow } = await takeVerifiedFlow(deps, input, { purpose, trail, attemptId });
  let signedIn: { result: R; user: MediaUser };
  try {
    signedIn = await work(provider, flow);
  } catch (error) {
    // No session was made: the same token may be tried again (a dead process's lease runs out instead).
    await deps.flows.releaseClaim(flow.id, attemptId).catch((releaseError: unknown) => {
      deps.warn?.({ flowId: flow.id, err: releaseError }, 'could not release a login flow');
    });
    throw error;
  }
  const { user } = signedIn;
  if (!(await deps.flows.finishClaim(flow.id, attemptId))) {
    // The lease ran out mid-way and another attempt took the flow over: only one may succeed.
    deps.warn?.({ flowId: flow.id, userId: user.id }, 'login flow claim lapsed before its session was made');
    throw flowError(
      'flow_used',
      'This sign-in was already used. Start again from the login page.',
      'session',
    );
  }
  return { ...signedIn, flow };
}

/** Consumes a verified linking flow and returns the identity it proved (links.ts decides the rest). */
export async function consumeForLink(
  deps: AuthenticateDeps,
  input: TokenInput,
  trail: AttemptTrail = newTrail(true),
): Promise<{ provider: ProviderRecord; identity: VerifiedIdentity }> {
  const { provider, flow } = await takeVerifiedFlow(deps, input, { purpose: 'link', trail });
  if (flow.identity === null) {
    throw new SsoError('internal', 'A verified flow has no identity.', { step: 'link' });
  }
  return { provider, identity: flow.identity };
}

/** What the activity log names an attempt by, once its flow is known. */
function followIdentity(trail: AttemptTrail, identity: VerifiedIdentity | null): void {
  trail.subject = identity?.subject ?? null;
  trail.username = identity?.preferredUsername ?? null;
}

/** The provider (switched on, for a sign-in) and its verified flow, consumed (Link) or claimed (Auth). */
async function takeVerifiedFlow(
  deps: AuthenticateDeps,
  input: TokenInput,
  { purpose, trail, attemptId }: { purpose: FlowPurpose; trail: AttemptTrail; attemptId?: string },
): Promise<{ provider: ProviderRecord; flow: ClaimedFlow }> {
  const provider = await deps.providers.get(input.protocol, input.providerName);
  if (provider === null) throw providerNotFound(input.protocol, input.providerName);
  if (purpose !== 'link' && !provider.settings.enabled) {
    throw new SsoError('provider_disabled', `Sign-in with "${input.providerName}" is switched off.`, {
      step: 'session',
    });
  }
  const flow = await consumeFlow(deps, {
    provider,
    token: input.token,
    cookies: input.cookies,
    purpose,
    attemptId,
    found: (named) => followIdentity(trail, named.identity),
  });
  return { provider, flow };
}

/** Account, policy and session for a claimed flow: everything Auth does at the media server. */
async function signIn(
  deps: AuthenticateDeps,
  provider: ProviderRecord,
  flow: ClaimedFlow,
  device: DeviceInfo,
  trail: AttemptTrail,
): Promise<{ result: AuthenticationResult; user: MediaUser }> {
  const user = await admitAccount(deps, provider, flow, trail);
  return { result: await deps.mediaServer.createSession(user.id, device), user };
}

/**
 * The account decision of every sign-in (Auth and a TV's code alike): the role gate as the provider reads
 * now, the account made or found, and its policy written.
 */
async function admitAccount(
  deps: AuthenticateDeps,
  provider: ProviderRecord,
  flow: ClaimedFlow,
  trail: AttemptTrail,
): Promise<MediaUser> {
  const identity = flow.identity;
  if (identity === null) {
    throw new SsoError('internal', 'A verified flow has no identity.', { step: 'session' });
  }
  // The role gate is evaluated again with the provider's settings of this moment, before any account is
  // touched: a role removed since the callback counts now.
  const decision = admittedAccess(identity, provider.settings);
  const links = answeringFirstLookup(deps.links, flow.link, { providerId: provider.id, identity });
  const { user, isNewUser } = await ensureAccount({ ...deps, links }, provider, identity);
  trail.userId = user.id;
  trail.username = user.name;
  await writePolicy(deps, { user, provider, flow, isNewUser, decision });
  return user;
}

/**
 * The link store as `ensureAccount` reads it, with its first lookup of this identity answered by the link
 * the claim read in the same statement (`ClaimedFlow.link`); later lookups (a retry after a wait) go to the
 * store. Without a link read by the claim, the store answers everything.
 */
function answeringFirstLookup(
  links: LinkStore,
  known: AccountLink | null | undefined,
  of: { providerId: string; identity: VerifiedIdentity },
): LinkStore {
  if (known === undefined) return links;
  let pending = true;
  return {
    ...links,
    find(providerId, subject) {
      if (pending && providerId === of.providerId && subject === of.identity.subject) {
        pending = false;
        return Promise.resolve(known);
      }
      return links.find(providerId, subject);
    },
  };
}

async function writePolicy(
  deps: AuthenticateDeps,
  change: {
    user: MediaUser;
    provider: ProviderRecord;
    flow: LoginFlow;
    isNewUser: boolean;
    decision: AccessDecision;
  },
): Promise<void> {
  const { user, provider, flow, isNewUser, decision } = change;
  try {
    // `user` was read just now: a sign-in that changes nothing writes nothing.
    await deps.mediaServer.updatePolicy(
      user.id,
      (policy) => applyDecision(policy, provider.settings, decision, isNewUser),
      user,
    );
  } catch (error) {
    // The media server refuses to demote its last administrator; keep them admin rather than fail.
    if (error instanceof SsoError && error.code === 'media_server_refused' && user.policy.IsAdministrator) {
      deps.warn?.(
        { userId: user.id, flowId: flow.id },
        'kept administrator rights: the media server refused the change',
      );
      await deps.mediaServer.updatePolicy(user.id, (policy) => ({
        ...applyDecision(policy, provider.settings, decision, isNewUser),
        IsAdministrator: true,
      }));
      return;
    }
    throw error;
  }
}
