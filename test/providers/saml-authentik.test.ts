// docs/providers/authentik-saml.md, as written, against an IdP answering the way an authentik SAML provider
// does by default: the Assertion signed (not the Response), NameID the hashed user id, groups and username
// in authentik's default attribute names.
import { describe, expect, it } from 'vitest';

import { URN } from '../support/saml-idp.js';
import { serviceForEachTest, signInWithGuide, type GuideRun } from './saml-guide.js';

const GROUPS = 'http://schemas.xmlsoap.org/claims/Group';
const USERNAME = 'http://schemas.goauthentik.io/2021/02/saml/username';
const HASHED_ID = '6a2d4f8c0e1b3a5d7f9e2c4b6a8d0f1e3c5b7a9d2f4e6c8b0a1d3f5e7c9b2a4d';

const service = serviceForEachTest();

const authentik = (username: string, groups: string[]): GuideRun => ({
  guide: 'authentik-saml.md',
  provider: 'authentik',
  idp: { entityId: 'https://authentik.example.com', signResponse: false, signAssertion: true },
  user: {
    nameId: HASHED_ID,
    attributes: {
      [GROUPS]: groups,
      [USERNAME]: [username],
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': [`${username}@example.com`],
    },
  },
  values: { nameIdFormat: URN.unspecified },
});

describe('authentik SAML guide', () => {
  it('when a member of jellyfin-admins signs in, then the guide JSON makes them an administrator named by their username', async () => {
    const { auth, answer } = await signInWithGuide(
      service(),
      authentik('akadmin', ['authentik Admins', 'jellyfin-admins']),
    );

    expect(answer.xml).not.toMatch(
      /<samlp:Response[^>]*>\s*<saml:Issuer>[^<]*<\/saml:Issuer>\s*<ds:Signature/,
    );
    expect(answer.xml).toMatch(/<saml:Assertion[^>]*>\s*<saml:Issuer>[^<]*<\/saml:Issuer>\s*<ds:Signature/);
    expect(auth?.User.Name).toBe('akadmin');
    expect(auth?.User.Policy?.IsAdministrator).toBe(true);
  });

  it('when a member of only jellyfin-users signs in, then they are a member', async () => {
    const { auth } = await signInWithGuide(service(), authentik('alice', ['jellyfin-users']));

    expect(auth?.User.Name).toBe('alice');
    expect(auth?.User.Policy?.IsAdministrator).toBe(false);
  });
});
