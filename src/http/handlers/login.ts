// Handlers of the `oidc` and `saml` tags: the browser steps (start, IdP redirect / ACS), the Auth calls and
// the SP metadata. They map the generated request types into the login use cases and set the flow's
// browser-binding cookie.
import type { FinishedLogin, Login, StartedLogin } from '../../sso/login.js';
import { flowCookieName } from '../../sso/login.js';
import type { RequestContext } from '../../sso/activity.js';
import { invalidField } from '../../sso/errors.js';
import type { FlowReturnTo, MediaServer } from '../../sso/ports.js';
import type { ProtocolName } from '../../sso/provider-settings.js';
import { accountPageUrl, modeOf, startUrl } from '../browser-steps.js';
import { reply, type Handler, type HandlersOfTag, type RequestState } from '../handler.js';
import { ERROR_PAGE_CSP } from '../errors.js';
import { deviceFinishReply } from '../device-page.js';
import { LOGIN_PAGE_CSP, loginPage } from '../login-page.js';
import type { HtmlReply, RedirectReply } from '../operations.js';
import { alreadyFinishedPage, basePathOf } from '../pages.js';
import { moveToPublicOrigin, needsMove } from '../start-host.js';

export interface LoginHandlerDeps {
  login: Login;
  mediaServer: MediaServer;
  publicUrl: string;
  /** How long the page waits before it shows an error. */
  pageTimeoutMs?: number;
}

type StartOperation = 'startOidcLogin' | 'startOidcLoginAlias' | 'startSamlLogin' | 'startSamlLoginAlias';

/** The OIDC callback parameters the login use case reads (error_uri is only shown by the IdP). */
const OIDC_CALLBACK_PARAMETERS = [
  'code',
  'state',
  'error',
  'error_description',
  'iss',
  'session_state',
] as const;

/** The request a login step came in, as the activity log names it. */
function requestOf(state: RequestState): RequestContext {
  return { clientAddress: state.clientAddress, requestId: state.requestId };
}

/** The redirect to the IdP, with the cookie that binds the new flow to this browser. */
export function redirectTo(started: StartedLogin, secure: boolean): RedirectReply {
  return {
    kind: 'redirect',
    status: 302,
    location: started.location,
    cookies: [
      {
        name: flowCookieName(started.flowId),
        value: started.browserSecret,
        maxAgeSeconds: started.expiresInSeconds,
        path: '/',
        secure,
        httpOnly: true,
        sameSite: 'lax',
      },
    ],
  };
}

/**
 * The page that finishes a verified sign-in in the browser; for one this browser already finished (its page
 * reloaded), the page that says so and what to do next.
 */
function loginPageReply(
  deps: LoginHandlerDeps,
  protocol: ProtocolName,
  provider: string,
  verified: FinishedLogin,
): HtmlReply<{ 200: string }> {
  if (verified.purpose === 'device') return deviceFinishReply(deps, protocol, provider, verified);
  const retryUrl = startUrl(deps.publicUrl, protocol, provider, verified.isLinking, verified.returnTo);
  if (verified.kind === 'already-finished') {
    const jellyfinWeb = deps.mediaServer.kind === 'jellyfin';
    return {
      kind: 'html',
      status: 200,
      csp: ERROR_PAGE_CSP,
      html: alreadyFinishedPage({
        isLinking: verified.isLinking,
        jellyfinUrl: jellyfinWeb ? `${basePathOf(deps.publicUrl)}/web/index.html` : null,
        consoleUrl: jellyfinWeb ? null : `${basePathOf(deps.publicUrl)}/sso/admin/`,
        accountUrl: verified.returnTo === 'account' ? accountPageUrl(deps.publicUrl) : null,
        retryUrl,
      }),
    };
  }
  return {
    kind: 'html',
    status: 200,
    csp: LOGIN_PAGE_CSP,
    html: loginPage({
      mode: modeOf(protocol),
      provider,
      data: verified.token,
      isLinking: verified.isLinking,
      returnTo: verified.returnTo,
      target: deps.mediaServer.kind === 'jellyfin' ? 'jellyfin-web' : 'standalone',
      retryUrl,
      timeoutMs: deps.pageTimeoutMs ?? 30_000,
    }),
  };
}

/**
 * The page a start asks its flow to return to. Only a linking flow returns anywhere: a sign-in asked to is
 * refused rather than left to end elsewhere than asked (openapi.yaml, parameter `ReturnTo`).
 */
function returnToOf(isLinking: boolean, returnTo: FlowReturnTo | undefined): FlowReturnTo | null {
  if (returnTo === undefined) return null;
  if (!isLinking) {
    throw invalidField(
      'returnTo',
      'only a linking flow returns to a page: add isLinking=true, or leave it out',
    );
  }
  return returnTo;
}

function startHandler(deps: LoginHandlerDeps, protocol: ProtocolName): Handler<StartOperation> {
  const secure = deps.publicUrl.startsWith('https:');
  return async ({ path: { provider }, query }, state) => {
    const isLinking = query?.isLinking ?? false;
    const returnTo = returnToOf(isLinking, query?.returnTo);
    const move = needsMove(state, deps.publicUrl);
    if (move === 'move') {
      return moveToPublicOrigin(startUrl(deps.publicUrl, protocol, provider, isLinking, returnTo), secure);
    }
    if (move === 'moved-before') {
      state.log.warn(
        { requestOrigin: state.requestOrigin, publicUrl: deps.publicUrl },
        "a sign-in start sent to SSO_PUBLIC_URL's host came back with another Host: let the reverse proxy pass the Host header on (nginx: proxy_set_header Host $host), or set SSO_PUBLIC_URL to the address users open",
      );
    }
    const input = {
      providerName: provider,
      isLinking,
      ...(returnTo === null ? {} : { returnTo }),
      clientAddress: state.clientAddress,
      request: requestOf(state),
    };
    const started = await (protocol === 'oidc' ? deps.login.startOidc(input) : deps.login.startSaml(input));
    return redirectTo(started, secure);
  };
}

function completeOidcHandler(
  deps: LoginHandlerDeps,
): Handler<'completeOidcLogin' | 'completeOidcLoginAlias'> {
  return async ({ path: { provider }, query = {} }, state) => {
    const callback: Record<string, string | undefined> = {};
    for (const name of OIDC_CALLBACK_PARAMETERS) callback[name] = query[name];
    // Only the query of this URL is read: the token exchange is bound to the redirect URI the flow stored
    // at start (sso/login.ts `redirectUri`), so it is not rebuilt here.
    const callbackUrl = new URL(deps.publicUrl);
    for (const [name, value] of Object.entries(callback))
      if (value !== undefined) callbackUrl.searchParams.set(name, value);
    const verified = await deps.login.finishOidc({
      providerName: provider,
      query: callback,
      callbackUrl,
      cookies: state.cookies,
      request: requestOf(state),
    });
    state.log.info(
      { provider, flowId: verified.flowId, isLinking: verified.isLinking },
      verified.kind === 'verified'
        ? 'OIDC sign-in verified'
        : 'OIDC sign-in page reloaded by the browser that finished it',
    );
    return loginPageReply(deps, 'oidc', provider, verified);
  };
}

function receiveSamlHandler(
  deps: LoginHandlerDeps,
): Handler<'receiveSamlResponse' | 'receiveSamlResponseAlias'> {
  return async ({ path: { provider }, body }, state) => {
    const verified = await deps.login.finishSaml({
      providerName: provider,
      samlResponse: body.SAMLResponse,
      relayState: body.RelayState,
      request: requestOf(state),
    });
    state.log.info(
      { provider, flowId: verified.flowId, isLinking: verified.isLinking },
      'SAML sign-in verified',
    );
    return loginPageReply(deps, 'saml', provider, verified);
  };
}

function authenticateHandler(
  deps: LoginHandlerDeps,
  protocol: ProtocolName,
): Handler<'authenticateOidc' | 'authenticateSaml'> {
  return async ({ path: { provider }, body: { data, ...device } }, state) => {
    const result = await deps.login.authenticate({
      protocol,
      providerName: provider,
      token: data,
      device,
      cookies: state.cookies,
      request: requestOf(state),
    });
    state.log.info({ protocol, provider, userId: result.User.Id }, 'session created');
    // The Jellyfin DTO is open (its index signature lets fields pass through); the spread gives the
    // domain's interface the object-literal type that may fill it.
    return reply({
      kind: 'json',
      status: 200,
      body: { ...result },
      headers: { 'Cache-Control': 'no-store' },
    });
  };
}

export function createLoginHandlers(
  deps: LoginHandlerDeps,
): Omit<HandlersOfTag<'oidc' | 'saml'>, 'receiveSamlLogout'> {
  return {
    startOidcLogin: startHandler(deps, 'oidc'),
    startOidcLoginAlias: startHandler(deps, 'oidc'),
    completeOidcLogin: completeOidcHandler(deps),
    completeOidcLoginAlias: completeOidcHandler(deps),
    authenticateOidc: authenticateHandler(deps, 'oidc'),
    startSamlLogin: startHandler(deps, 'saml'),
    startSamlLoginAlias: startHandler(deps, 'saml'),
    receiveSamlResponse: receiveSamlHandler(deps),
    receiveSamlResponseAlias: receiveSamlHandler(deps),
    authenticateSaml: authenticateHandler(deps, 'saml'),
    getSamlMetadata: async ({ path: { provider } }) =>
      reply({
        kind: 'text',
        status: 200,
        contentType: 'application/samlmetadata+xml; charset=utf-8',
        text: await deps.login.samlMetadata(provider),
      }),
  };
}
