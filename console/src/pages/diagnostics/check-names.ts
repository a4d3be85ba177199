// The words an admin reads for each live check of a provider's Test (the service names them by stable
// ids such as `oidc.jwks`); an id this console does not know yet is shown as it is.

const CHECK_NAMES: Readonly<Record<string, string>> = {
  'oidc.discovery': 'Discovery document',
  'oidc.issuer': 'Issuer',
  'oidc.jwks': 'Signing keys',
  'oidc.pkce': 'PKCE (S256)',
  'oidc.par': 'Pushed authorization requests (PAR)',
  'oidc.client_auth': 'Client authentication method',
  'oidc.client_credentials': 'Client id and secret',
  'oidc.redirect_uri': 'Redirect URI to register',
  'oidc.role_claim': 'Role claim and scopes',
  'saml.certificate': 'IdP certificate',
  'saml.sso_url': 'Single sign-on URL',
  'saml.sp_entity_id': 'SP entity id to register',
  'saml.acs_url': 'ACS and metadata URLs to register',
  'saml.clock_skew': 'Clock skew',
  'saml.signing': 'Signatures expected',
};

export function checkName(check: string): string {
  return CHECK_NAMES[check] ?? check;
}
