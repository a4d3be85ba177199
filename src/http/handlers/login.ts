// Handlers of the `oidc` and `saml` tags: the browser steps (start, IdP redirect / ACS) and the Auth calls.
// They translate requests into the login use cases and set the flow's browser-binding cookie.
import type { AuthenticateOidcResponses } from '../../../generated/index.js';
import type { Login, StartedLogin, VerifiedLogin } from '../../sso/login.js';
import { flowCookieName } from '../../sso/login.js';
import type { MediaServer } from '../../sso/ports.js';
import { json, type Handler, type OperationContext, type Reply, type SetCookie } from '../handler.js';
import { LOGIN_PAGE_CSP, loginPage } from '../login-page.js';
import { pathParam } from './admin.js';

export interface LoginHandlerDeps {
  login: Login;
  mediaServer: MediaServer;
  publicUrl: string;
  /** How long the page waits before it shows an error. */
  pageTimeoutMs?: number;
}

interface AuthBody {
  deviceId: string;
  deviceName: string;
  appName: string;
  appVersion: string;
  data: string;
}

function queryText(c: OperationContext, name: string): string | undefined {
  const value = (c.request.query as Record<string, unknown>)[name];
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

function isLinking(c: OperationContext): boolean {
  const value = (c.request.query as Record<string, unknown>)['isLinking'];
  return value === true || value === 'true' || value === 'True';
}

export function createLoginHandlers(deps: LoginHandlerDeps): Record<string, Handler> {
  const secure = deps.publicUrl.startsWith('https:');
  const flowCookie = (started: StartedLogin): SetCookie => ({
    name: flowCookieName(started.flowId),
    value: started.browserSecret,
    maxAgeSeconds: started.expiresInSeconds,
    path: '/',
    secure,
    httpOnly: true,
    sameSite: 'Lax',
  });
  const redirectTo = (started: StartedLogin): Reply => ({
    kind: 'redirect',
    status: 302,
    location: started.location,
    cookies: [flowCookie(started)],
  });
  const page = (mode: 'OID' | 'SAML', provider: string, verified: VerifiedLogin): Reply => ({
    kind: 'html',
    status: 200,
    csp: LOGIN_PAGE_CSP,
    html: loginPage({
      mode,
      provider,
      data: verified.token,
      isLinking: verified.isLinking,
      target: deps.mediaServer.kind === 'jellyfin' ? 'jellyfin-web' : 'standalone',
      retryUrl: `${deps.publicUrl}/sso/${mode}/start/${encodeURIComponent(provider)}${verified.isLinking ? '?isLinking=true' : ''}`,
      timeoutMs: deps.pageTimeoutMs ?? 30_000,
    }),
  });

  const startOidc: Handler = async (c, state) =>
    redirectTo(
      await deps.login.startOidc({
        providerName: pathParam(c, 'provider'),
        isLinking: isLinking(c),
        clientAddress: state.clientAddress,
      }),
    );
  const completeOidc: Handler = async (c, state) => {
    const provider = pathParam(c, 'provider');
    const query: Record<string, string | undefined> = {};
    for (const name of ['code', 'state', 'error', 'error_description', 'iss', 'session_state']) {
      query[name] = queryText(c, name);
    }
    // The callback URL handed to the token exchange is rebuilt from the public URL, never from headers.
    const callbackUrl = new URL(`${deps.publicUrl}/sso/OID/redirect/${encodeURIComponent(provider)}`);
    for (const [name, value] of Object.entries(query))
      if (value !== undefined) callbackUrl.searchParams.set(name, value);
    const verified = await deps.login.finishOidc({
      providerName: provider,
      query,
      callbackUrl,
      cookies: state.cookies,
    });
    state.log.info(
      { provider, flowId: verified.flowId, isLinking: verified.isLinking },
      'OIDC sign-in verified',
    );
    return page('OID', provider, verified);
  };
  const startSaml: Handler = async (c, state) =>
    redirectTo(
      await deps.login.startSaml({
        providerName: pathParam(c, 'provider'),
        isLinking: isLinking(c),
        clientAddress: state.clientAddress,
      }),
    );
  const receiveSaml: Handler = async (c, state) => {
    const provider = pathParam(c, 'provider');
    const body = c.request.requestBody as { SAMLResponse: string; RelayState?: string };
    const verified = await deps.login.finishSaml({
      providerName: provider,
      samlResponse: body.SAMLResponse,
      relayState: body.RelayState,
    });
    state.log.info(
      { provider, flowId: verified.flowId, isLinking: verified.isLinking },
      'SAML sign-in verified',
    );
    return page('SAML', provider, verified);
  };
  const authenticate =
    (protocol: 'oidc' | 'saml'): Handler =>
    async (c, state) => {
      const body = c.request.requestBody as AuthBody;
      const result = await deps.login.authenticate({
        protocol,
        providerName: pathParam(c, 'provider'),
        token: body.data,
        device: {
          deviceId: body.deviceId,
          deviceName: body.deviceName,
          appName: body.appName,
          appVersion: body.appVersion,
        },
        cookies: state.cookies,
      });
      state.log.info(
        { protocol, provider: pathParam(c, 'provider'), userId: result.User.Id },
        'session created',
      );
      return json<AuthenticateOidcResponses, 200>(200, result as AuthenticateOidcResponses[200], {
        headers: { 'Cache-Control': 'no-store' },
      });
    };

  return {
    startOidcLogin: startOidc,
    startOidcLoginAlias: startOidc,
    completeOidcLogin: completeOidc,
    completeOidcLoginAlias: completeOidc,
    authenticateOidc: authenticate('oidc'),
    startSamlLogin: startSaml,
    startSamlLoginAlias: startSaml,
    receiveSamlResponse: receiveSaml,
    receiveSamlResponseAlias: receiveSaml,
    authenticateSaml: authenticate('saml'),
    getSamlMetadata: async (c) => ({
      kind: 'text',
      status: 200,
      contentType: 'application/samlmetadata+xml; charset=utf-8',
      text: await deps.login.samlMetadata(pathParam(c, 'provider')),
    }),
  };
}
