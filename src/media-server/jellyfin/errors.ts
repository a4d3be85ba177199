// How the Jellyfin adapter reports failures to the use cases: a JellyfinRequestError becomes the SsoError
// its cause calls for (Jellyfin unreachable, an answer we cannot use, our API key rejected, or a refusal).

import { SsoError, type SsoStep } from '../../sso/errors.js';
import { JellyfinRequestError } from './request.js';

/** Whether `error` is Jellyfin answering one of `statuses`. */
export function isStatus(error: unknown, ...statuses: number[]): error is JellyfinRequestError {
  return error instanceof JellyfinRequestError && error.status !== null && statuses.includes(error.status);
}

/** Jellyfin's failures as the domain's errors; an SsoError passes unchanged. */
export function jellyfinErrorToSsoError(error: unknown, what: string, step: SsoStep): SsoError {
  if (error instanceof SsoError) return error;
  if (!(error instanceof JellyfinRequestError)) {
    return new SsoError('internal', `unexpected failure while ${what}`, { step, cause: error });
  }
  const detail = error.message;
  if (error.unreachable) {
    return new SsoError('upstream_unavailable', `Jellyfin is unavailable while ${what}; try again later`, {
      step,
      detail,
      cause: error,
    });
  }
  if (error.failure === 'shape') {
    return new SsoError('upstream_unavailable', `Jellyfin gave an unexpected answer while ${what}`, {
      step,
      detail,
      cause: error,
    });
  }
  if (error.status === 401) {
    return new SsoError(
      'upstream_unavailable',
      `Jellyfin rejected this service's API key while ${what}: an administrator must check JELLYFIN_API_KEY`,
      { step, detail, cause: error },
    );
  }
  return new SsoError(
    'media_server_refused',
    `Jellyfin refused ${what}${error.jellyfinMessage ? `: ${error.jellyfinMessage}` : ''}`,
    { step, detail, cause: error },
  );
}

/** Runs `work`, reporting any failure as the SsoError for `what` (see jellyfinErrorToSsoError). */
export async function reportingAs<T>(what: string, step: SsoStep, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw jellyfinErrorToSsoError(error, what, step);
  }
}

export function quickConnectDisabled(error: unknown): SsoError {
  return new SsoError(
    'quick_connect_disabled',
    'Jellyfin has Quick Connect disabled, so this service cannot sign you in. An administrator must enable it ' +
      'in Jellyfin: Dashboard → General → "Enable Quick Connect on this server".',
    { step: 'session', cause: error, ...(error instanceof Error ? { detail: error.message } : {}) },
  );
}

export function userNotFound(step: SsoStep): SsoError {
  return new SsoError('user_not_found', 'no such user in Jellyfin', { step });
}

/** A user id Jellyfin sent that is not a GUID: an answer we cannot use. */
export function notAGuid(operation: string, id: string): JellyfinRequestError {
  return new JellyfinRequestError(operation, 'shape', null, `returned a user id that is not a GUID (${id})`);
}
