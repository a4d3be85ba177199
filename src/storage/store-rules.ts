// The rules both storage backends (MikroORM and memory) share, free of any database code: the ordering of
// names, how provider secrets merge, which flow statuses are open, and the errors a store reports.

import { SsoError } from '../sso/errors.js';
import type { FlowStatus, ProviderWrite } from '../sso/ports.js';
import type { ProviderSecrets } from '../sso/provider-settings.js';

/** Ordinal order of the UTF-8 bytes: what PostgreSQL's "C" collation and SQLite's BINARY compare. */
export function compareOrdinal(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export const emptySecrets: ProviderSecrets = { clientSecret: null, spSigningKey: null };

/** `undefined` keeps the stored value, `null` clears it, a string replaces it (ports.ts ProviderWrite). */
export function mergeSecrets(stored: ProviderSecrets, write: ProviderWrite['secrets']): ProviderSecrets {
  const merged: ProviderSecrets = { ...stored };
  for (const key of Object.keys(emptySecrets) as (keyof ProviderSecrets)[]) {
    const value = write[key];
    if (value !== undefined) merged[key] = value;
  }
  return merged;
}

/** Flows still in progress: neither consumed nor failed (expiry is checked separately). */
export const OPEN_FLOW_STATUSES: FlowStatus[] = ['started', 'verified', 'claimed'];

/** The userId of a claimed link whose account does not exist yet. */
export const PENDING_USER_ID = '';

/** A new flow's id or state hash is already taken. */
export function flowClash(cause?: unknown): SsoError {
  // Ids and states are random 256-bit values: a clash means a caller bug, not bad luck.
  return new SsoError('internal', 'could not start the login; try again', {
    step: 'start',
    detail: 'login flow id or state hash already exists',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The (provider, subject) pair is already linked, or held by a claim. */
export function linkConflict(providerId: string, cause?: unknown): SsoError {
  return new SsoError('link_conflict', 'this identity-provider account is already linked to a user', {
    step: 'link',
    detail: `link (${providerId}, subject) exists`,
    ...(cause === undefined ? {} : { cause }),
  });
}

export function linkProviderGone(): SsoError {
  return new SsoError('provider_not_found', 'the identity provider no longer exists', { step: 'link' });
}

export function linkGone(): SsoError {
  return new SsoError('link_not_found', 'the account link no longer exists', { step: 'link' });
}
