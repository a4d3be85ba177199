// Quick Connect codes, as a TV shows them: their form, their lifetime and the refusals a code can meet (the
// ports are in ports.ts: MediaServer's Quick Connect methods and QuickConnectHost).
import { SsoError } from './errors.js';

/** Jellyfin's Quick Connect code: six digits, valid for ten minutes. */
export const DEVICE_CODE_PATTERN = /^\d{6}$/;
export const DEVICE_CODE_TTL_MS = 10 * 60_000;

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
