// The identity a verified SAML assertion proves: bound to its NameID, named and given roles by the
// provider's attributes. Pure: the ACS and the admin's Preview read assertions with it.
import type { IdentityReading, RoleSource } from '../sso/ports.js';
import type { SamlProviderSettings } from '../sso/provider-settings.js';
import { samlRefusal } from './saml.js';
import { SamlCheckError } from './saml-xml.js';

type AttributeSettings = Pick<SamlProviderSettings, 'samlUsernameAttribute' | 'samlRoleAttribute'>;

/**
 * The username is the first value of `samlUsernameAttribute` (when set and sent), else the NameID; the
 * roles are every value of `samlRoleAttribute`. Without a NameID there is no one to bind an account to:
 * the refusal is the verifier's for an assertion without one.
 */
export function readSamlIdentity(
  settings: AttributeSettings,
  nameId: string | null,
  attributes: Record<string, string[]>,
): IdentityReading {
  const roleValues = attributes[settings.samlRoleAttribute];
  const roleSource: RoleSource = {
    kind: 'attribute',
    name: settings.samlRoleAttribute,
    present: roleValues !== undefined,
  };
  const usernameValue =
    settings.samlUsernameAttribute === null ? undefined : attributes[settings.samlUsernameAttribute]?.[0];
  const usernameSource =
    usernameValue === undefined ? 'NameID' : (settings.samlUsernameAttribute ?? 'NameID');
  if (nameId === null || nameId.trim() === '') {
    const message = nameId === null ? 'The Subject must contain exactly one NameID.' : 'The NameID is empty.';
    const refusal = samlRefusal(new SamlCheckError('saml.subject_shape', message));
    return { subject: null, roleSource, usernameSource, identity: null, refusal };
  }
  const username = usernameValue ?? nameId;
  return {
    subject: nameId,
    roleSource,
    usernameSource,
    identity: {
      subject: nameId,
      preferredUsername: username,
      label: username,
      roles: roleValues ?? [],
      avatarUrl: null,
    },
    refusal: null,
  };
}
