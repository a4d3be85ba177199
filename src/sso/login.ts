// The login use cases shared by OIDC and SAML, as one facade for the HTTP edge. The protocol is a
// connector (ports.ts `Connector`); the flow's states and checks are in flow.ts; the steps are
// login-start.ts, login-finish.ts and login-authenticate.ts.
import {
  newTrail,
  recordAttempt,
  type ActivityRecorder,
  type AttemptTrail,
  type RequestContext,
} from './activity.js';
import { authenticate, consumeForLink, type AuthenticateDeps } from './login-authenticate.js';
import { finishLogin, type FinishDeps, type FinishedLogin, type VerifiedLogin } from './login-finish.js';
import { startLogin, type StartDeps, type StartInput, type StartedLogin } from './login-start.js';
import type { AuthenticationResult, DeviceInfo, VerifiedIdentity } from './ports.js';
import { SsoError, type SsoStep } from './errors.js';
import { providerNotFound } from './provider-admin.js';
import { cacheProviders } from './provider-cache.js';
import { isProviderOf, type ProtocolName, type ProviderRecord } from './provider-settings.js';

export { sha256 } from './basics.js';
export { acsUrl, endpointUrl, redirectUri } from './endpoints.js';
export { AUTH_CLAIM_LEASE_MS, flowCookieName } from './flow.js';
export type { FinishedLogin, StartInput, StartedLogin, VerifiedLogin };

export interface LoginDeps extends StartDeps, FinishDeps, AuthenticateDeps {
  /** Where each attempt's outcome is noted (the sign-in activity log); none: nothing is recorded. */
  activityLog?: ActivityRecorder | undefined;
}

/** The request a login step came in, for the activity log; absent in callers that keep no log. */
interface Attempted {
  request?: RequestContext | undefined;
}

export interface Login {
  startOidc(input: StartInput & Attempted): Promise<StartedLogin>;
  finishOidc(
    input: {
      providerName: string;
      query: Record<string, string | undefined>;
      callbackUrl: URL;
      cookies: Record<string, string>;
    } & Attempted,
  ): Promise<FinishedLogin>;
  startSaml(input: StartInput & Attempted): Promise<StartedLogin>;
  finishSaml(
    input: {
      providerName: string;
      samlResponse: string;
      relayState: string | undefined;
    } & Attempted,
  ): Promise<FinishedLogin>;
  authenticate(
    input: {
      protocol: ProtocolName;
      providerName: string;
      token: string;
      device: DeviceInfo;
      cookies: Record<string, string>;
    } & Attempted,
  ): Promise<AuthenticationResult>;
  /** Consumes a verified linking flow and returns the identity it proved (links.ts decides the rest). */
  consumeForLink(
    input: {
      protocol: ProtocolName;
      providerName: string;
      token: string;
      cookies: Record<string, string>;
    } & Attempted,
  ): Promise<{ provider: ProviderRecord; identity: VerifiedIdentity }>;
  /** The SP metadata of a SAML provider (switched on or not: an IdP admin may import it first). */
  samlMetadata(providerName: string): Promise<string>;
}

export function createLogin(loginDeps: LoginDeps): Login {
  // The sign-in steps read providers through the cache (provider-cache.ts), each step checking the version.
  const cache = cacheProviders(loginDeps.providers);
  const deps: LoginDeps = { ...loginDeps, providers: cache.providers };
  /** Runs a step of an attempt, noting its refusal (and, at Auth, its success) in the activity log. */
  const attempt = <T>(
    where: { protocol: ProtocolName; provider: string; step: SsoStep; linking: boolean; success?: boolean },
    request: RequestContext | undefined,
    run: (trail: AttemptTrail) => Promise<T>,
  ): Promise<T> => {
    const trail = newTrail(where.linking);
    const stage = { protocol: where.protocol, provider: where.provider, fallbackStep: where.step };
    return recordAttempt(deps.activityLog, { stage, request, trail, success: where.success ?? false }, () =>
      cache.whileCurrent(where.protocol, where.provider, () => run(trail)),
    );
  };
  const start = (protocol: ProtocolName, input: StartInput & Attempted) =>
    attempt(
      { protocol, provider: input.providerName, step: 'start', linking: input.isLinking },
      input.request,
      () => startLogin(deps, protocol, input),
    );
  return {
    startOidc: (input) => start('oidc', input),
    finishOidc: ({ providerName, query, callbackUrl, cookies, request }) =>
      attempt(
        { protocol: 'oidc', provider: providerName, step: 'verify', linking: false },
        request,
        (trail) =>
          finishLogin(deps, 'oidc', { providerName, callback: { query, callbackUrl }, cookies }, trail),
      ),
    startSaml: (input) => start('saml', input),
    // The ACS is a cross-site POST: SameSite=Lax cookies are not sent, so the browser binding is checked
    // at Auth.
    finishSaml: ({ providerName, samlResponse, relayState, request }) =>
      attempt(
        { protocol: 'saml', provider: providerName, step: 'verify', linking: false },
        request,
        (trail) =>
          finishLogin(
            deps,
            'saml',
            { providerName, callback: { samlResponse, relayState }, cookies: {} },
            trail,
          ),
      ),
    authenticate: ({ request, ...input }) =>
      attempt(
        {
          protocol: input.protocol,
          provider: input.providerName,
          step: 'session',
          linking: false,
          success: true,
        },
        request,
        (trail) => authenticate(deps, input, trail),
      ),
    consumeForLink: ({ request, ...input }) =>
      attempt(
        { protocol: input.protocol, provider: input.providerName, step: 'link', linking: true },
        request,
        (trail) => consumeForLink(deps, input, trail),
      ),
    async samlMetadata(providerName) {
      // Read afresh: metadata is no sign-in step, and nothing here checks the provider's version.
      const provider = await loginDeps.providers.get('saml', providerName);
      if (provider === null || !isProviderOf(provider, 'saml')) throw providerNotFound('saml', providerName);
      const xml = deps.connectors.saml.metadata?.(provider);
      if (xml === undefined) throw new SsoError('internal', 'The SAML connector publishes no metadata.');
      return xml;
    },
  };
}
