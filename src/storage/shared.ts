// Small helpers shared by the stores: the dependencies every store factory takes, the system clock, and
// the translation of MikroORM's exceptions into SsoError at the storage boundary (docs/ARCHITECTURE.md "Errors").

import { DriverException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { SsoError, type SsoStep } from '../sso/errors.js';
import type { Clock } from '../sso/ports.js';
import type { Orm } from './orm.js';
import { UnstorableValueError } from './query-guard.js';
import type { SecretBox } from './secret-box.js';
import { StatementError } from './sql.js';

export interface StoreDeps {
  orm: Orm;
  box: SecretBox;
  /** Defaults to the system clock; only timestamps the store invents (createdAt, updatedAt) use it. */
  clock?: Clock | undefined;
}

export { systemClock } from '../sso/basics.js';
export { compareOrdinal } from './store-rules.js';

/** A unique index refused the row: through the ORM, or through a hand-written statement (sql.ts). */
export function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof UniqueConstraintViolationException ||
    (error instanceof StatementError && error.isUniqueViolation)
  );
}

/**
 * Any database failure becomes `internal` (the message says nothing about SQL); the cause is kept for logs.
 * A value the query guard refused is the sender's fault: `invalid_request`.
 */
export function storageError(error: unknown, what: string, step?: SsoStep): SsoError {
  if (error instanceof SsoError) return error;
  if (error instanceof UnstorableValueError) {
    return new SsoError(
      'invalid_request',
      'A value in this request contains a NUL character or a lone surrogate (\\u0000, \\ud800–\\udfff), ' +
        'which cannot be stored or looked up.',
      { cause: error, detail: `refused while ${what}`, ...(step ? { step } : {}) },
    );
  }
  const detail = error instanceof DriverException ? `${error.name}: ${error.message}` : String(error);
  return new SsoError('internal', `storage failure while ${what}`, {
    cause: error,
    detail,
    ...(step ? { step } : {}),
  });
}

/** Runs one storage operation, turning any failure into the SsoError of `storageError`. */
export async function withStorageErrors<T>(
  what: string,
  step: SsoStep | undefined,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw storageError(error, what, step);
  }
}
