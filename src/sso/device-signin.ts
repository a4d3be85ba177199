// Signing a TV in with SSO (Quick Connect): the person types the TV's code on a phone or computer, signs in
// at their IdP in a flow of purpose `device`, and the code is authorized for the account that sign-in
// admits. The IdP steps are the normal ones (login-start, login-finish); the last step is login-authenticate's
// `authorizeDevice`, which makes the same account decision as Auth.
import { newTrail, recordAttempt, type RequestContext } from './activity.js';
import {
  deviceCodeMalformed,
  deviceCodeUnknown,
  deviceCodeUsed,
  normalizeDeviceCode,
} from './device-codes.js';
import type { QuickConnectHost } from './ports.js';
import { SsoError } from './errors.js';
import { authorizeDevice } from './login-authenticate.js';
import { startLogin, type StartedLogin } from './login-start.js';
import type { LoginDeps } from './login.js';
import type { ProtocolName } from './provider-settings.js';

export interface DeviceProvider {
  protocol: ProtocolName;
  name: string;
}

export interface DeviceStartInput {
  /** The code as the person typed it. */
  code: string;
  /** `oidc:<name>`, `saml:<name>` or a bare name; absent when only one provider is switched on. */
  provider: string | undefined;
  clientAddress: string;
  request?: RequestContext | undefined;
}

export interface DeviceAuthorizeInput {
  protocol: ProtocolName;
  providerName: string;
  token: string;
  cookies: Record<string, string>;
  request?: RequestContext | undefined;
}

export interface DeviceSignIn {
  /** The switched-on providers a person may pick, by their public names. */
  providers(): Promise<DeviceProvider[]>;
  /** Checks the code where the media server can, then starts the sign-in at the chosen provider. */
  start(input: DeviceStartInput): Promise<StartedLogin & { provider: DeviceProvider }>;
  /** Authorizes the flow's code for the user the sign-in admits; who that is. */
  authorize(input: DeviceAuthorizeInput): Promise<{ userId: string; userName: string }>;
  /** The TV's side, where this service is the media server (embedded); null beside Jellyfin. */
  readonly host: QuickConnectHost | null;
}

export function createDeviceSignIn(deps: LoginDeps): DeviceSignIn {
  const providers = async (): Promise<DeviceProvider[]> => {
    const lists = await Promise.all([deps.providers.list('oidc'), deps.providers.list('saml')]);
    return lists
      .flat()
      .filter((provider) => provider.settings.enabled)
      .map(({ protocol, name }) => ({ protocol, name }));
  };
  return {
    providers,
    async start(input) {
      const provider = pickProvider(await providers(), input.provider);
      const trail = newTrail(false);
      const stage = { protocol: provider.protocol, provider: provider.name, fallbackStep: 'start' as const };
      return recordAttempt(
        deps.activityLog,
        { stage, request: input.request, trail, success: false },
        async () => {
          const code = await checkedCode(deps, input.code);
          const started = await startLogin(deps, provider.protocol, {
            providerName: provider.name,
            isLinking: false,
            clientAddress: input.clientAddress,
            purpose: 'device',
            deviceCode: code,
          });
          return { ...started, provider };
        },
      );
    },
    async authorize({ request, ...input }) {
      const trail = newTrail(false);
      const stage = {
        protocol: input.protocol,
        provider: input.providerName,
        fallbackStep: 'session' as const,
      };
      return recordAttempt(deps.activityLog, { stage, request, trail, success: true }, async () => {
        const { user } = await authorizeDevice(deps, input, trail);
        return { userId: user.id, userName: user.name };
      });
    },
    host: deps.mediaServer.quickConnectHost ?? null,
  };
}

/** The code, refused before any IdP round trip when it is malformed or the media server knows it is dead. */
async function checkedCode(deps: LoginDeps, typed: string): Promise<string> {
  const code = normalizeDeviceCode(typed);
  if (code === null) throw deviceCodeMalformed();
  if (deps.mediaServer.authorizeQuickConnect === undefined) {
    throw new SsoError('quick_connect_disabled', 'This media server cannot authorize Quick Connect codes.', {
      step: 'start',
    });
  }
  // Jellyfin lets no API key look a code up without authorizing it: there the code is checked when it is
  // authorized, right after the sign-in.
  const state = await deps.mediaServer.checkQuickConnectCode?.(code);
  if (state === 'unknown') throw deviceCodeUnknown('start');
  if (state === 'authorized') throw deviceCodeUsed('start');
  return code;
}

/** The provider asked for (`protocol:name` or a name), or the only one when none was asked for. */
export function pickProvider(enabled: DeviceProvider[], asked: string | undefined): DeviceProvider {
  if (asked === undefined || asked === '') {
    const [only] = enabled;
    if (only !== undefined && enabled.length === 1) return only;
    throw new SsoError('invalid_request', 'Pick the provider to sign in with.', {
      step: 'start',
      errors: [{ field: 'provider', message: 'pick one of the providers' }],
    });
  }
  const qualified = /^(oidc|saml):(.+)$/.exec(asked);
  const found = enabled.find((provider) =>
    qualified === null
      ? provider.name === asked
      : provider.protocol === qualified[1] && provider.name === qualified[2],
  );
  if (found === undefined) {
    throw new SsoError('provider_not_found', `There is no switched-on provider "${asked}".`, {
      step: 'start',
    });
  }
  return found;
}
