// Handlers of the `device` and `quickconnect` tags: the pages and calls that sign a TV in through its Quick
// Connect code, and Jellyfin's Quick Connect endpoints for the TV itself where the service is the media
// server (embedded). Code attempts are limited per client address and per code, so codes cannot be guessed.
import type { RequestContext } from '../../sso/activity.js';
import { normalizeDeviceCode } from '../../sso/device-codes.js';
import type { DeviceSignIn } from '../../sso/device-signin.js';
import { SsoError } from '../../sso/errors.js';
import type { DeviceInfo, QuickConnectHost, QuickConnectRequest } from '../../sso/ports.js';
import { DEVICE_FORM_CSP, deviceFormPage } from '../device-page.js';
import { reply, type HandlersOfTag, type RequestState } from '../handler.js';
import { basePathOf } from '../pages.js';
import { redirectTo } from './login.js';
import { createRateLimiter, type RateLimiter } from '../rate-limit.js';

/**
 * Code attempts per minute. A code is six digits and lives ten minutes: at these rates one address tries
 * at most 100 of the million codes in a code's life, and one code is tried at most 50 times.
 */
export const DEVICE_ATTEMPTS_PER_CLIENT = 10;
export const DEVICE_ATTEMPTS_PER_CODE = 5;

export interface DeviceHandlerDeps {
  deviceSignIn: DeviceSignIn;
  publicUrl: string;
  pageTimeoutMs?: number;
}

/** The request a step came in, as the activity log names it. */
function requestOf(state: RequestState): RequestContext {
  return { clientAddress: state.clientAddress, requestId: state.requestId };
}

/** Counts one code attempt against the address and against the code; refuses over either limit. */
function limitAttempts(limits: { client: RateLimiter; code: RateLimiter }, address: string, typed: string) {
  const code = normalizeDeviceCode(typed) ?? typed;
  const clientAllowed = limits.client.allow(address);
  // The code's own count is kept apart from addresses (its key is no address).
  if (!clientAllowed || !limits.code.allow(`code:${code}`)) {
    throw new SsoError('rate_limited', 'Too many code attempts from this address or for this code.', {
      step: 'start',
      reason: 'device_attempts_limit',
    });
  }
}

export function createDeviceHandlers(deps: DeviceHandlerDeps): HandlersOfTag<'device'> {
  const limits = {
    client: createRateLimiter(DEVICE_ATTEMPTS_PER_CLIENT),
    code: createRateLimiter(DEVICE_ATTEMPTS_PER_CODE),
  };
  const secure = deps.publicUrl.startsWith('https:');
  return {
    getDevicePage: async ({ query }) => {
      const providers = await deps.deviceSignIn.providers();
      return reply({
        kind: 'html',
        status: 200,
        csp: DEVICE_FORM_CSP,
        html: deviceFormPage({
          action: `${basePathOf(deps.publicUrl)}/sso/device/start`,
          code: query?.code ?? '',
          providers: providers.map((p) => ({ value: `${p.protocol}:${p.name}`, name: p.name })),
        }),
      });
    },
    startDeviceSignIn: async ({ query }, state) => {
      limitAttempts(limits, state.clientAddress, query.code);
      const started = await deps.deviceSignIn.start({
        code: query.code,
        provider: query.provider,
        clientAddress: state.clientAddress,
        request: requestOf(state),
      });
      state.log.info({ provider: started.provider.name, flowId: started.flowId }, 'TV sign-in started');
      return redirectTo(started, secure);
    },
    authorizeDevice: async ({ body }, state) => {
      const authorized = await deps.deviceSignIn.authorize({
        protocol: body.protocol,
        providerName: body.provider,
        token: body.data,
        cookies: state.cookies,
        request: requestOf(state),
      });
      state.log.info({ provider: body.provider, userId: authorized.userId }, 'TV code authorized');
      return reply({
        kind: 'json',
        status: 200,
        body: authorized,
        headers: { 'Cache-Control': 'no-store' },
      });
    },
  };
}

/** Jellyfin's `QuickConnectResult` of a request. */
function resultOf(request: QuickConnectRequest) {
  return {
    Authenticated: request.authenticated,
    Secret: request.secret,
    Code: request.code,
    DeviceId: request.device.deviceId,
    DeviceName: request.device.deviceName,
    AppName: request.device.appName,
    AppVersion: request.device.appVersion,
    DateAdded: request.createdAt.toISOString(),
  };
}

/** The TV's device fields, as Jellyfin requires all four at Initiate. */
function deviceOf(state: RequestState): DeviceInfo {
  const fields = state.clientFields;
  const device = {
    deviceId: fields?.DeviceId ?? '',
    deviceName: fields?.Device ?? '',
    appName: fields?.Client ?? '',
    appVersion: fields?.Version ?? '',
  };
  const missing = Object.entries(device).find(([, value]) => value.trim() === '');
  if (missing !== undefined) {
    throw new SsoError(
      'invalid_request',
      'The MediaBrowser header must name Client, Device, DeviceId and Version.',
      {
        step: 'request',
        errors: [{ field: 'Authorization', message: `needs ${missing[0]}` }],
      },
    );
  }
  return device;
}

export function createQuickConnectHandlers(deps: DeviceHandlerDeps): HandlersOfTag<'quickconnect'> {
  /** Beside Jellyfin these paths are Jellyfin's: the service does not know them. */
  const host = (): QuickConnectHost => {
    if (deps.deviceSignIn.host === null) throw new SsoError('not_found', 'There is no such endpoint.');
    return deps.deviceSignIn.host;
  };
  const noStore = { 'Cache-Control': 'no-store' };
  return {
    getQuickConnectEnabled: async () => {
      host();
      return reply({ kind: 'json', status: 200, body: true });
    },
    initiateQuickConnect: async (_input, state) => {
      const request = await host().initiate(deviceOf(state));
      return reply({ kind: 'json', status: 200, body: resultOf(request), headers: noStore });
    },
    getQuickConnectState: async ({ query }) => {
      const request = await host().state(query.secret);
      if (request === null) throw new SsoError('not_found', 'Unknown or expired Quick Connect secret.');
      return reply({ kind: 'json', status: 200, body: resultOf(request), headers: noStore });
    },
    authenticateWithQuickConnect: async ({ body }) => {
      const result = await host().authenticate(body.Secret);
      if (result === null) {
        throw new SsoError(
          'forbidden',
          'This Quick Connect request is not authorized (or was already used).',
          {
            step: 'session',
            reason: 'quick_connect_not_authorized',
          },
        );
      }
      return reply({ kind: 'json', status: 200, body: { ...result }, headers: noStore });
    },
  };
}
