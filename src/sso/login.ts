// The login flow use cases shared by OIDC and SAML (ARCHITECTURE.md §8, PRODUCT.md §3).
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
// Only the browser that started a flow (OIDC callback: its cookie) or an answer that verified against it
// (SAML ACS: signature and request id) may move it to failed; anything else is refused and leaves the flow
// as it was.
import { randomBytes } from 'node:crypto';
import { applyDecision, denialMessage, evaluateAccess } from './access.js';
import { ensureAccount } from './accounts.js';
import { avatarUrlFromClaims, extractRoles, resolveUsername } from './claims.js';
import { clientKey } from './client-address.js';
import { checkOpenFlows } from './open-flows.js';
import { SsoError, idpErrorReason, inFlow, type SsoErrorCode } from './errors.js';
import { providerNotFound } from './provider-admin.js';
import { sameSecret } from './same-secret.js';
import type {
  AccessDecision,
  AuthenticationResult,
  Clock,
  DeviceInfo,
  FlowPurpose,
  FlowSecrets,
  FlowStore,
  LinkStore,
  LoginFlow,
  MediaServer,
  MediaUser,
  OidcProtocol,
  ProviderStore,
  ReplayCache,
  SamlProtocol,
  VerifiedIdentity,
} from './ports.js';
import type {
  OidcProviderSettings,
  ProtocolName,
  ProviderRecord,
  SamlProviderSettings,
} from './provider-settings.js';

/**
 * How long one Auth attempt holds its flow: waiting up to 30 s for a concurrent first sign-in's account
 * (accounts.ts), then a few media-server requests of at most 10 s each.
 */
export const AUTH_CLAIM_LEASE_MS = 90_000;

export interface LoginDeps {
  providers: ProviderStore;
  flows: FlowStore;
  links: LinkStore;
  replay: ReplayCache;
  mediaServer: MediaServer;
  oidc: OidcProtocol;
  saml: SamlProtocol;
  clock: Clock;
  /** External base URL without trailing slash (SSO_PUBLIC_URL). */
  publicUrl: string;
  flowTtlSeconds: number;
  /** Open flows one client may have at once (open-flows.ts); 0 switches the limit off. */
  maxOpenFlowsPerClient: number;
  /** Called after a session is minted, for best-effort work such as avatars; never fails the login. */
  afterLogin?: (user: MediaUser, identity: VerifiedIdentity) => Promise<void>;
  warn?: (fields: object, message: string) => void;
  info?: (fields: object, message: string) => void;
}

export interface StartInput {
  providerName: string;
  isLinking: boolean;
  /** The caller's address as the HTTP edge trusts it (the same one the rate limit counts). */
  clientAddress: string;
}

/** What the browser gets at start: where to go, and the binding cookie to keep. */
export interface StartedLogin {
  location: string;
  flowId: string;
  browserSecret: string;
  expiresInSeconds: number;
}

/** What the page needs after the IdP answered: the one-time token and what kind of flow it is. */
export interface VerifiedLogin {
  flowId: string;
  token: string;
  isLinking: boolean;
  username: string | null;
}

export interface Login {
  startOidc(input: StartInput): Promise<StartedLogin>;
  finishOidc(input: {
    providerName: string;
    query: Record<string, string | undefined>;
    callbackUrl: URL;
    cookies: Record<string, string>;
  }): Promise<VerifiedLogin>;
  startSaml(input: StartInput): Promise<StartedLogin>;
  finishSaml(input: {
    providerName: string;
    samlResponse: string;
    relayState: string | undefined;
  }): Promise<VerifiedLogin>;
  authenticate(input: {
    protocol: ProtocolName;
    providerName: string;
    token: string;
    device: DeviceInfo;
    cookies: Record<string, string>;
  }): Promise<AuthenticationResult>;
  /** Consumes a verified linking flow and returns the identity it proved (links.ts decides the rest). */
  consumeForLink(input: {
    protocol: ProtocolName;
    providerName: string;
    token: string;
    cookies: Record<string, string>;
  }): Promise<{ provider: ProviderRecord; identity: VerifiedIdentity }>;
}

/** The cookie that binds a flow to the browser that started it; one per flow so two tabs do not clash. */
export function flowCookieName(flowId: string): string {
  return `sso_flow_${flowId}`;
}

import { sha256 } from './basics.js';

export { sha256 };

function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Redirect URI and ACS URL: from SSO_PUBLIC_URL, with the plugin's scheme/port overrides (§5.2). */
export function endpointUrl(
  publicUrl: string,
  path: string,
  settings: { schemeOverride: string | null; portOverride: number | null },
): string {
  const url = new URL(publicUrl + path);
  if (settings.schemeOverride === 'http' || settings.schemeOverride === 'https') {
    url.protocol = `${settings.schemeOverride}:`;
  }
  if (settings.portOverride !== null) url.port = String(settings.portOverride);
  return url.toString();
}

export function redirectUri(publicUrl: string, provider: ProviderRecord): string {
  return endpointUrl(publicUrl, `/sso/OID/redirect/${encodeURIComponent(provider.name)}`, provider.settings);
}

export function acsUrl(publicUrl: string, provider: ProviderRecord): string {
  return endpointUrl(publicUrl, `/sso/SAML/post/${encodeURIComponent(provider.name)}`, provider.settings);
}

function fail(
  code: SsoErrorCode,
  message: string,
  step: 'state' | 'session' | 'authorize' = 'state',
): SsoError {
  return new SsoError(code, message, { step });
}

export function createLogin(deps: LoginDeps): Login {
  const loadProvider = async (protocol: ProtocolName, name: string): Promise<ProviderRecord> => {
    const provider = await deps.providers.get(protocol, name);
    if (provider === null) throw providerNotFound(protocol, name);
    if (!provider.settings.enabled) {
      throw new SsoError(
        'provider_disabled',
        `Sign-in with "${name}" is switched off. Ask your admin to enable it.`,
        {
          step: 'start',
        },
      );
    }
    return provider;
  };

  const createFlow = async (
    provider: ProviderRecord,
    client: string,
    purpose: FlowPurpose,
    stateValue: string,
    secrets: FlowSecrets,
    samlRequestId: string | null,
  ): Promise<{ flowId: string; browserSecret: string }> => {
    const now = deps.clock.now();
    const flowId = randomBytes(16).toString('hex');
    const browserSecret = randomToken();
    await deps.flows.create({
      id: flowId,
      providerId: provider.id,
      providerName: provider.name,
      protocol: provider.protocol,
      purpose,
      stateHash: sha256(stateValue),
      browserHash: sha256(browserSecret),
      clientKey: client,
      samlRequestId,
      secrets,
      createdAt: now,
      expiresAt: new Date(now.getTime() + deps.flowTtlSeconds * 1000),
    });
    return { flowId, browserSecret };
  };

  /** The checks every flow lookup makes: provider, status, expiry (and the browser, where cookies come). */
  const checkFlow = (flow: LoginFlow, provider: ProviderRecord, expected: LoginFlow['status']): void => {
    if (flow.providerId !== provider.id) {
      throw fail(
        'provider_mismatch',
        'This sign-in was started with another provider. Start again from the login page.',
      );
    }
    if (flow.expiresAt.getTime() <= deps.clock.now().getTime()) {
      throw fail('flow_expired', 'This sign-in has expired. Start again from the login page.');
    }
    if (flow.status !== expected) {
      throw fail(
        'flow_used',
        'This sign-in was already used or has failed. Start again from the login page.',
      );
    }
  };

  const checkBrowser = (flow: LoginFlow, cookies: Record<string, string>): void => {
    const cookie = cookies[flowCookieName(flow.id)];
    if (cookie === undefined || !sameSecret(sha256(cookie), flow.browserHash)) {
      throw fail(
        'browser_mismatch',
        'This sign-in was started in another browser (or its cookie is missing). Start again in this browser.',
      );
    }
  };

  /** Role gate, identity and one-time token: the end of a successful IdP answer. Failures name the flow. */
  const verify = (
    flow: LoginFlow,
    provider: ProviderRecord,
    identity: VerifiedIdentity,
  ): Promise<VerifiedLogin> =>
    admit(flow, provider, identity).catch((error: unknown) => {
      throw inFlow(error, flow.id);
    });

  const admit = async (
    flow: LoginFlow,
    provider: ProviderRecord,
    identity: VerifiedIdentity,
  ): Promise<VerifiedLogin> => {
    const decision = evaluateAccess(identity.roles, provider.settings);
    if (!decision.allowed) {
      await deps.flows.markFailed(flow.id);
      throw new SsoError('not_permitted', denialMessage(provider.settings), {
        step: 'authorize',
        detail: `roles=${JSON.stringify(identity.roles.slice(0, 20))}`,
      });
    }
    const token = randomToken();
    const verified = await deps.flows.markVerified(
      flow.id,
      { identity, tokenHash: sha256(token) },
      deps.clock.now(),
    );
    if (!verified)
      throw fail(
        'flow_used',
        'This sign-in was already used or has expired. Start again from the login page.',
      );
    return {
      flowId: flow.id,
      token,
      isLinking: flow.purpose === 'link',
      username: identity.preferredUsername,
    };
  };

  /** A flow an Auth attempt may take: verified, or claimed by an attempt whose lease ran out. */
  const claimable = (flow: LoginFlow): LoginFlow['status'] =>
    flow.status === 'claimed' &&
    flow.leaseExpiresAt !== null &&
    flow.leaseExpiresAt.getTime() <= deps.clock.now().getTime()
      ? 'claimed'
      : 'verified';

  /**
   * Finds a verified flow by its one-time token and, after every check (PRODUCT.md §3), consumes it (Link)
   * or claims it for this attempt (Auth: `attemptId` given).
   */
  const consume = async (
    protocol: ProtocolName,
    providerName: string,
    token: string,
    cookies: Record<string, string>,
    purpose: FlowPurpose,
    attemptId?: string,
  ): Promise<{ provider: ProviderRecord; flow: LoginFlow }> => {
    const provider = await deps.providers.get(protocol, providerName);
    if (provider === null) throw providerNotFound(protocol, providerName);
    if (purpose === 'login' && !provider.settings.enabled) {
      throw new SsoError('provider_disabled', `Sign-in with "${providerName}" is switched off.`, {
        step: 'session',
      });
    }
    const tokenHash = sha256(token);
    const flow = await deps.flows.findByTokenHash(tokenHash);
    if (flow === null) {
      throw fail(
        'flow_not_found',
        'This sign-in is unknown or was already used. Start again from the login page.',
        'session',
      );
    }
    checkFlow(flow, provider, attemptId === undefined ? 'verified' : claimable(flow));
    if (flow.purpose !== purpose) {
      throw fail(
        'flow_purpose_mismatch',
        purpose === 'login'
          ? 'This sign-in was started to link an account and cannot sign you in.'
          : 'This sign-in was started to sign in and cannot link an account.',
        'session',
      );
    }
    checkBrowser(flow, cookies);
    const now = deps.clock.now();
    const consumed =
      attemptId === undefined
        ? await deps.flows.consume({ tokenHash, providerId: provider.id, now })
        : await deps.flows.claim({
            tokenHash,
            providerId: provider.id,
            now,
            attemptId,
            leaseUntil: new Date(now.getTime() + AUTH_CLAIM_LEASE_MS),
          });
    if (consumed === null) {
      throw fail('flow_used', 'This sign-in was already used. Start again from the login page.', 'session');
    }
    return { provider, flow: consumed };
  };

  /** The identity a SAML response proves for this flow; it changes nothing, whatever the response holds. */
  const samlIdentity = async (
    flow: LoginFlow,
    provider: ProviderRecord<SamlProviderSettings>,
    samlResponse: string,
  ): Promise<VerifiedIdentity> => {
    const now = deps.clock.now();
    const assertion = await deps.saml.verify(provider, {
      samlResponse,
      acsUrl: acsUrl(deps.publicUrl, provider),
      expectedRequestId: flow.samlRequestId ?? '',
      now,
    });
    // Each assertion is accepted once, across every instance (SAML Profiles §4.1.4.5).
    const fresh = await deps.replay.remember(
      `${provider.id}:${assertion.assertionId}`,
      assertion.notOnOrAfter,
    );
    if (!fresh) {
      throw new SsoError('idp_response_invalid', 'This SAML response was already used (replay refused).', {
        step: 'verify',
        reason: 'saml_replayed',
        detail: 'saml:replay',
      });
    }
    const settings = provider.settings;
    const usernameValues =
      settings.samlUsernameAttribute === null
        ? undefined
        : assertion.attributes[settings.samlUsernameAttribute];
    const username = usernameValues?.[0] ?? assertion.nameId;
    return {
      subject: assertion.nameId,
      preferredUsername: username,
      label: username,
      roles: assertion.attributes[settings.samlRoleAttribute] ?? [],
      avatarUrl: null,
    };
  };

  const writePolicy = async (
    user: MediaUser,
    provider: ProviderRecord,
    flow: LoginFlow,
    isNewUser: boolean,
    decision: AccessDecision,
  ): Promise<void> => {
    try {
      await deps.mediaServer.updatePolicy(user.id, (policy) =>
        applyDecision(policy, provider.settings, decision, isNewUser),
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
  };

  /** Account, policy and session for a claimed flow: everything Auth does at the media server. */
  const signIn = async (
    provider: ProviderRecord,
    flow: LoginFlow,
    device: DeviceInfo,
  ): Promise<{ result: AuthenticationResult; user: MediaUser }> => {
    const identity = flow.identity;
    if (identity === null)
      throw new SsoError('internal', 'A verified flow has no identity.', { step: 'session' });
    // The role gate is evaluated again with the provider's settings of this moment (the plugin's SAML
    // Auth skipped it), before any account is touched: a role removed since the callback counts now.
    const decision = evaluateAccess(identity.roles, provider.settings);
    if (!decision.allowed) {
      throw new SsoError('not_permitted', denialMessage(provider.settings), { step: 'authorize' });
    }
    const { user, isNewUser } = await ensureAccount(deps, provider, identity);
    await writePolicy(user, provider, flow, isNewUser, decision);
    return { result: await deps.mediaServer.createSession(user.id, device), user };
  };

  return {
    async startOidc({ providerName, isLinking, clientAddress }) {
      const provider = (await loadProvider('oidc', providerName)) as ProviderRecord<OidcProviderSettings>;
      const client = clientKey(clientAddress);
      await checkOpenFlows(deps, client); // before the protocol's start (discovery) and the insert
      const state = randomToken();
      const redirect = redirectUri(deps.publicUrl, provider);
      const { url, secrets } = await deps.oidc.start(provider, { state, redirectUri: redirect });
      const { flowId, browserSecret } = await createFlow(
        provider,
        client,
        isLinking ? 'link' : 'login',
        state,
        { ...secrets, redirectUri: redirect },
        null,
      );
      return { location: url, flowId, browserSecret, expiresInSeconds: deps.flowTtlSeconds };
    },

    async finishOidc({ providerName, query, callbackUrl, cookies }) {
      const provider = (await loadProvider('oidc', providerName)) as ProviderRecord<OidcProviderSettings>;
      const state = query['state'];
      if (state === undefined || state === '') {
        throw fail(
          'flow_not_found',
          'The identity provider sent no state back. Start again from the login page.',
        );
      }
      const flow = await deps.flows.findByStateHash(sha256(state));
      if (flow === null) {
        throw fail('flow_not_found', 'This sign-in is unknown or too old. Start again from the login page.');
      }
      checkFlow(flow, provider, 'started');
      checkBrowser(flow, cookies);
      const idpError = query['error'];
      if (idpError !== undefined && idpError !== '') {
        await deps.flows.markFailed(flow.id);
        const description = (query['error_description'] ?? '').slice(0, 300);
        throw new SsoError(
          'idp_error',
          `The identity provider refused the sign-in: ${idpError.slice(0, 100)}${description === '' ? '' : ` – ${description}`}`,
          { step: 'exchange', reason: idpErrorReason(idpError), flowId: flow.id },
        );
      }
      let identity: VerifiedIdentity;
      try {
        const { subject, claims } = await deps.oidc.finish(provider, {
          callbackUrl,
          state,
          secrets: flow.secrets,
        });
        const username = resolveUsername(claims, provider.settings.defaultUsernameClaim);
        const email = typeof claims['email'] === 'string' ? claims['email'] : null;
        identity = {
          subject,
          preferredUsername: username,
          label: username ?? email,
          // Only the e-mail can be vouched for: OIDC Core §5.1 `email_verified`; no username claim has a
          // verified flag (`preferred_username` may be any string the user picks, §5.7).
          verifiedEmail: email !== null && claims['email_verified'] === true ? email : null,
          roles: extractRoles(claims, provider.settings.roleClaim),
          avatarUrl: avatarUrlFromClaims(provider.settings.avatarUrlFormat, claims),
        };
      } catch (error) {
        await deps.flows.markFailed(flow.id);
        throw inFlow(error, flow.id);
      }
      return verify(flow, provider, identity);
    },

    async startSaml({ providerName, isLinking, clientAddress }) {
      const provider = (await loadProvider('saml', providerName)) as ProviderRecord<SamlProviderSettings>;
      const client = clientKey(clientAddress);
      await checkOpenFlows(deps, client); // before the protocol's start (discovery) and the insert
      // RelayState ties the IdP's POST back to this flow (SAML Bindings §3.4.3); it is a random secret.
      const relayState = randomToken();
      const { url, requestId } = await deps.saml.start(provider, {
        relayState,
        acsUrl: acsUrl(deps.publicUrl, provider),
      });
      const { flowId, browserSecret } = await createFlow(
        provider,
        client,
        isLinking ? 'link' : 'login',
        relayState,
        { samlRequestId: requestId },
        requestId,
      );
      return { location: url, flowId, browserSecret, expiresInSeconds: deps.flowTtlSeconds };
    },

    async finishSaml({ providerName, samlResponse, relayState }) {
      const provider = (await loadProvider('saml', providerName)) as ProviderRecord<SamlProviderSettings>;
      // The ACS is a cross-site POST: SameSite=Lax cookies are not sent, so the flow is found by RelayState
      // (or InResponseTo) and the browser binding is checked at Auth (PRODUCT.md §3).
      let flow: LoginFlow | null = null;
      if (relayState !== undefined && relayState !== '')
        flow = await deps.flows.findByStateHash(sha256(relayState));
      if (flow === null) {
        const inResponseTo = deps.saml.peekInResponseTo(samlResponse);
        if (inResponseTo !== null) flow = await deps.flows.findBySamlRequestId(provider.id, inResponseTo);
      }
      if (flow === null) {
        throw fail(
          'flow_not_found',
          'This SAML response belongs to no sign-in started here. Start again from the login page.',
        );
      }
      checkFlow(flow, provider, 'started');
      // RelayState and InResponseTo are public (both travel in the AuthnRequest URL) and the post is
      // unauthenticated: a refusal must leave the flow as it is, or anyone could spoil another person's
      // sign-in by posting junk that names it. Only a response that verified against this flow's request
      // id may change it, which `verify` does (denied: failed; allowed: verified).
      const identity = await samlIdentity(flow, provider, samlResponse).catch((error: unknown) => {
        throw inFlow(error, flow.id);
      });
      return verify(flow, provider, identity);
    },

    async authenticate({ protocol, providerName, token, device, cookies }) {
      const attemptId = randomBytes(16).toString('hex');
      const { provider, flow } = await consume(protocol, providerName, token, cookies, 'login', attemptId);
      let result: AuthenticationResult;
      let user: MediaUser;
      try {
        ({ result, user } = await signIn(provider, flow, device));
      } catch (error) {
        // No session was made: the same token may be tried again (a dead process's lease runs out instead).
        await deps.flows.releaseClaim(flow.id, attemptId).catch((releaseError: unknown) => {
          deps.warn?.({ flowId: flow.id, err: releaseError }, 'could not release a login flow');
        });
        throw error;
      }
      if (!(await deps.flows.finishClaim(flow.id, attemptId))) {
        // The lease ran out mid-way and another attempt took the flow over: only one may succeed.
        deps.warn?.(
          { flowId: flow.id, userId: user.id },
          'login flow claim lapsed before its session was made',
        );
        throw fail('flow_used', 'This sign-in was already used. Start again from the login page.', 'session');
      }
      if (deps.afterLogin !== undefined && flow.identity !== null) {
        await deps.afterLogin(user, flow.identity).catch((error: unknown) => {
          deps.warn?.({ userId: user.id, err: error }, 'after-login step failed');
        });
      }
      return result;
    },

    async consumeForLink({ protocol, providerName, token, cookies }) {
      const { provider, flow } = await consume(protocol, providerName, token, cookies, 'link');
      if (flow.identity === null)
        throw new SsoError('internal', 'A verified flow has no identity.', { step: 'link' });
      return { provider, identity: flow.identity };
    },
  };
}
