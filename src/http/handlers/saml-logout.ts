// Handler of the SAML single logout service (SAML Profiles §4.4): the IdP's LogoutRequest or its
// LogoutResponse on the HTTP-Redirect binding, handed to the logout use case as received (with the raw
// query string, whose octets a redirect signature covers), then the browser sent where it says.
import type { SamlLogout } from '../../sso/saml-logout.js';
import { reply, type Handler } from '../handler.js';

export interface SamlLogoutHandlerDeps {
  samlLogout: SamlLogout;
}

export function createSamlLogoutHandlers(deps: SamlLogoutHandlerDeps): {
  receiveSamlLogout: Handler<'receiveSamlLogout'>;
} {
  return {
    receiveSamlLogout: async ({ path: { provider }, query = {} }, state) => {
      const { location } = await deps.samlLogout.receive(provider, {
        samlRequest: query.SAMLRequest,
        samlResponse: query.SAMLResponse,
        relayState: query.RelayState,
        sigAlg: query.SigAlg,
        signature: query.Signature,
        queryString: state.queryString,
      });
      state.log.info(
        { provider, kind: query.SAMLRequest === undefined ? 'response' : 'request' },
        'SAML logout message taken',
      );
      return reply({ kind: 'redirect', status: 302, location });
    },
  };
}
