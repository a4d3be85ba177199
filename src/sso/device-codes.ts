// Quick Connect codes, as a TV shows them: their form, the refusals a code can meet, and the port of the TV's
// side where this service is the server itself (the embedded directory).
import { SsoError } from './errors.js';
import type { AuthenticationResult, DeviceInfo } from './ports.js';

/** Jellyfin's Quick Connect code: six digits, valid for ten minutes. */
export const DEVICE_CODE_PATTERN = /^\d{6}$/;
export const DEVICE_CODE_TTL_MS = 10 * 60_000;

/** What a media server knows of a code without authorizing it. */
export type QuickConnectCodeState = 'pending' | 'authorized' | 'unknown';

/** A TV's request as Jellyfin's `QuickConnectResult` shows it (the secret only to the TV that asked). */
export interface QuickConnectRequest {
  secret: string;
  code: string;
  authenticated: boolean;
  device: DeviceInfo;
  createdAt: Date;
}

/** The TV's side of Quick Connect: start a request, poll it, and exchange it for a session once authorized. */
export interface QuickConnectHost {
  initiate(device: DeviceInfo): Promise<QuickConnectRequest>;
  /** Null when the secret is unknown or its request expired. */
  state(secret: string): Promise<QuickConnectRequest | null>;
  /** The session of an authorized request, once; null when it is unknown, expired, pending or already used. */
  authenticate(secret: string): Promise<AuthenticationResult | null>;
}

/** The code as typed (spaces and dashes are what people add when copying a code); null when it is no code. */
export function normalizeDeviceCode(typed: string): string | null {
  const code = typed.replace(/[\s-]/g, '');
  return DEVICE_CODE_PATTERN.test(code) ? code : null;
}

export function deviceCodeUnknown(step: 'start' | 'session' = 'session'): SsoError {
  return new SsoError(
    'not_found',
    'This code is wrong or has expired. Check the code on your TV, or start again there for a new one.',
    { step, reason: 'device_code_unknown' },
  );
}

export function deviceCodeUsed(step: 'start' | 'session' = 'session'): SsoError {
  return new SsoError(
    'flow_used',
    'This code was already used to sign a TV in. Start again on your TV for a new one.',
    { step, reason: 'device_code_used' },
  );
}

export function deviceCodeMalformed(): SsoError {
  return new SsoError('invalid_request', 'Type the six digits your TV shows.', {
    step: 'start',
    reason: 'device_code_malformed',
    errors: [{ field: 'code', message: 'must be the six digits the TV shows' }],
  });
}
