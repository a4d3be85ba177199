// The refusal a use case or adapter throws: awaits the promise, expects an SsoError, and returns it for
// the test to read its code, reason and message.
import { expect } from 'vitest';

import { SsoError } from '../../src/sso/errors.js';

export async function expectSsoError(promise: Promise<unknown>): Promise<SsoError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SsoError);
  return error as SsoError;
}
