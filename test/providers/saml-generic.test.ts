// docs/providers/saml-generic.md, as written, against an AD FS-style IdP: only the Assertion signed, the
// unsigned Response without Destination, a persistent NameID, roles and UPN as claim-type URI attributes.
// The guide's promise about SHA-1 holds too: refused, with the rule named in the log.
import { describe, expect, it } from 'vitest';

import { expectPrivateFailure, logLinesOf } from '../support/error-page.js';
import { CookieJar, browserGet, browserPostForm } from '../support/browser.js';
import { createSamlIdp, SIG } from '../support/saml-idp.js';
import {
  fixture,
  guideProvider,
  guideText,
  serviceForEachTest,
  signInWithGuide,
  type GuideRun,
} from './saml-guide.js';
import { addSamlProvider } from '../../clients/typescript/index.js';

const ROLE = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role';
const UPN = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn';
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

const service = serviceForEachTest();

const adfs = (upn: string, roles: string[]): GuideRun => ({
  guide: 'saml-generic.md',
  provider: 'corp',
  idp: { entityId: 'http://adfs.example.com/adfs/services/trust', signResponse: false, signAssertion: true },
  user: { nameId: 'Zm9vYmFyLXBlcnNpc3RlbnQtaWQ=', attributes: { [ROLE]: roles, [UPN]: [upn] } },
  values: { nameIdFormat: PERSISTENT, destination: null },
});

describe('generic (AD FS-style) SAML guide', () => {
  it('when the IdP signs only the Assertion and omits Destination, then the guide JSON signs an admin in by UPN', async () => {
    const { auth, answer } = await signInWithGuide(
      service(),
      adfs('alice@corp.example.com', ['Domain Users', 'Jellyfin Admins']),
    );

    expect(answer.xml).not.toContain('Destination=');
    expect(answer.xml).not.toMatch(
      /<samlp:Response[^>]*>\s*<saml:Issuer>[^<]*<\/saml:Issuer>\s*<ds:Signature/,
    );
    expect(auth?.User.Name).toBe('alice@corp.example.com');
    expect(auth?.User.Policy?.IsAdministrator).toBe(true);
  });

  it('when the IdP signs with SHA-1, then the sign-in is refused and the log names saml.sha1_signature_refused', async () => {
    const t = service();
    const sha1 = createSamlIdp({
      entityId: 'http://adfs.example.com/adfs/services/trust',
      privateKeyPem: fixture('idp-key.pem'),
      certPem: fixture('idp-cert.pem'),
      signResponse: false,
      signAssertion: true,
      sigAlg: SIG.rsaSha1,
    });
    const run = adfs('bob@corp.example.com', ['Jellyfin Users']);
    const body = guideProvider(guideText(run.guide), { '<IdP certificate>': sha1.certificateBase64 });
    expect(
      (await addSamlProvider({ client: t.admin, path: { provider: 'corp' }, body })).response.status,
    ).toBe(200);

    const start = await browserGet(`${t.baseUrl}/sso/SAML/start/corp`, new CookieJar());
    const answer = await sha1.respond(start.headers.get('location') ?? '', run.user, run.values);
    const page = await browserPostForm(
      `${t.baseUrl}/sso/SAML/post/corp`,
      { SAMLResponse: answer.samlResponse, RelayState: answer.relayState ?? '' },
      null,
    );

    expect(page.status).toBe(401);
    const view = expectPrivateFailure(page, t.logs(), {
      reason: 'saml_response_rejected',
      hidden: ['saml.sha1', 'SHA-1', 'RSA-SHA256'],
    });
    const line = logLinesOf(t.logs(), view.requestId).find((entry) => entry['rule'] !== undefined);
    expect(line?.['rule']).toMatchObject({
      id: 'saml.sha1_signature_refused',
      fixAtIdp: expect.stringMatching(/SHA256/),
    });
  });
});
