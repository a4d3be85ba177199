// The shape of one live check of the admin's Test (src/sso/ports.ts `ProviderCheck`), shared by the OIDC
// and SAML diagnostics, and the answer for a check that could not run.
import type { ProviderCheck } from '../sso/ports.js';

export function pass(check: string, detail: string): ProviderCheck {
  return { check, status: 'pass', detail, fix: null };
}

export function warn(check: string, detail: string, fix: string | null): ProviderCheck {
  return { check, status: 'warn', detail, fix };
}

export function fail(check: string, detail: string, fix: string | null): ProviderCheck {
  return { check, status: 'fail', detail, fix };
}

/** A check that needs what an earlier one could not get: a failure that names the check to fix first. */
export function notChecked(check: string, because: string, first: string): ProviderCheck {
  return fail(check, `Not checked: ${because}.`, `Fix ${first} first, then run the test again.`);
}
