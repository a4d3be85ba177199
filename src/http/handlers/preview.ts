// Handlers of `POST /sso/OID/Preview` and `/sso/SAML/Preview` (tag `admin`): the decision a sign-in would
// get on the claims or attributes in the body. They map the body to the use case's assertions; the answer
// is the use case's, as the contract's `SignInPreview`.
import type { SignInPreviewer } from '../../sso/sign-in-preview.js';
import { reply, type Handler } from '../handler.js';

export interface PreviewHandlerDeps {
  signInPreview: SignInPreviewer;
}

export function previewHandlers(deps: PreviewHandlerDeps): {
  previewOidcSignIn: Handler<'previewOidcSignIn'>;
  previewSamlSignIn: Handler<'previewSamlSignIn'>;
} {
  return {
    previewOidcSignIn: async ({ path: { provider }, body: { claims } }, state) => {
      const preview = await deps.signInPreview.preview('oidc', provider, { subject: claims.sub, claims });
      state.log.info({ protocol: 'oidc', provider, allowed: preview.allowed }, 'sign-in previewed');
      return reply({ kind: 'json', status: 200, body: preview });
    },
    previewSamlSignIn: async ({ path: { provider }, body: { nameId, attributes } }, state) => {
      const preview = await deps.signInPreview.preview('saml', provider, {
        nameId: nameId ?? null,
        attributes,
      });
      state.log.info({ protocol: 'saml', provider, allowed: preview.allowed }, 'sign-in previewed');
      return reply({ kind: 'json', status: 200, body: preview });
    },
  };
}
