// Handler of the SAML single logout service (SAML Profiles §4.4): the IdP's LogoutRequest or its
// LogoutResponse on the HTTP-Redirect binding, handed to the logout use case as received.
import { SsoError } from '../../sso/errors.js';
import type { Handler } from '../handler.js';

export function createSamlLogoutHandlers(): { receiveSamlLogout: Handler<'receiveSamlLogout'> } {
  return {
    receiveSamlLogout: () =>
      Promise.reject(new SsoError('not_implemented', 'SAML single logout is not available yet.')),
  };
}
