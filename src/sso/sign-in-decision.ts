// The decision on an identity an IdP asserted: the role gate and the rights it gives. A sign-in decides
// with these functions at the IdP's answer and again at Auth; the admin's Preview decides with them too.
import { evaluateAccess, roleGateRefusal } from './access.js';
import type { SsoError } from './errors.js';
import type { AccessDecision, IdentityReading, VerifiedIdentity } from './ports.js';
import type { SharedProviderSettings } from './provider-settings.js';

export interface SignInDecision {
  access: AccessDecision;
  /** Set exactly when `access.allowed` is false. */
  refusal: SsoError | null;
}

/** The role rules on the identity's roles, with the refusal a sign-in gets when they say no. */
export function decideSignIn(identity: VerifiedIdentity, settings: SharedProviderSettings): SignInDecision {
  const access = evaluateAccess(identity.roles, settings);
  return { access, refusal: access.allowed ? null : roleGateRefusal(settings, identity.roles) };
}

/** The decision of an allowed sign-in; throws the refusal otherwise. */
export function admittedAccess(identity: VerifiedIdentity, settings: SharedProviderSettings): AccessDecision {
  const { access, refusal } = decideSignIn(identity, settings);
  if (refusal !== null) throw refusal;
  return access;
}

/** The identity a sign-in proved; throws the refusal of a reading that proved none. */
export function provenIdentity(reading: IdentityReading): VerifiedIdentity {
  if (reading.refusal !== null) throw reading.refusal;
  return reading.identity;
}
