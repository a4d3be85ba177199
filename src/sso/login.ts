// The login use cases shared by OIDC and SAML, as one facade for the HTTP edge. The protocol is a
// connector (ports.ts `Connector`); the flow's states and checks are in flow.ts; the steps are
// login-start.ts, login-finish.ts and login-authenticate.ts.
import { authenticate, consumeForLink, type AuthenticateDeps } from './login-authenticate.js';
import { finishLogin, type FinishDeps, type VerifiedLogin } from './login-finish.js';
import { startLogin, type StartDeps, type StartInput, type StartedLogin } from './login-start.js';
import type { AuthenticationResult, DeviceInfo, VerifiedIdentity } from './ports.js';
import { SsoError } from './errors.js';
import { providerNotFound } from './provider-admin.js';
import { isProviderOf, type ProtocolName, type ProviderRecord } from './provider-settings.js';

export { sha256 } from './basics.js';
export { acsUrl, endpointUrl, redirectUri } from './endpoints.js';
export { AUTH_CLAIM_LEASE_MS, flowCookieName } from './flow.js';
export type { StartInput, StartedLogin, VerifiedLogin };

export interface LoginDeps extends StartDeps, FinishDeps, AuthenticateDeps {}

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
  /** The SP metadata of a SAML provider (switched on or not: an IdP admin may import it first). */
  samlMetadata(providerName: string): Promise<string>;
}

export function createLogin(deps: LoginDeps): Login {
  return {
    startOidc: (input) => startLogin(deps, 'oidc', input),
    finishOidc: ({ providerName, query, callbackUrl, cookies }) =>
      finishLogin(deps, 'oidc', { providerName, callback: { query, callbackUrl }, cookies }),
    startSaml: (input) => startLogin(deps, 'saml', input),
    // The ACS is a cross-site POST: SameSite=Lax cookies are not sent, so the browser binding is checked
    // at Auth.
    finishSaml: ({ providerName, samlResponse, relayState }) =>
      finishLogin(deps, 'saml', { providerName, callback: { samlResponse, relayState }, cookies: {} }),
    authenticate: (input) => authenticate(deps, input),
    consumeForLink: (input) => consumeForLink(deps, input),
    async samlMetadata(providerName) {
      const provider = await deps.providers.get('saml', providerName);
      if (provider === null || !isProviderOf(provider, 'saml')) throw providerNotFound('saml', providerName);
      const xml = deps.connectors.saml.metadata?.(provider);
      if (xml === undefined) throw new SsoError('internal', 'The SAML connector publishes no metadata.');
      return xml;
    },
  };
}
