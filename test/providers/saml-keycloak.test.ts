// docs/providers/keycloak-saml.md, as written, against an IdP answering the way a Keycloak SAML client does
// by default: the Response signed (not the Assertion on its own), NameID = username (unspecified format),
// the realm roles in `Role` attributes, one per role.
import { describe, expect, it } from 'vitest';

import { URN } from '../support/saml-idp.js';
import { serviceForEachTest, signInWithGuide, type GuideRun } from './saml-guide.js';

const service = serviceForEachTest();

const keycloak = (roles: string[], nameId = 'alice'): GuideRun => ({
  guide: 'keycloak-saml.md',
  provider: 'keycloak',
  idp: {
    entityId: 'https://keycloak.example.com/realms/jellyfin',
    signResponse: true,
    signAssertion: false,
    attributePerValue: true,
  },
  user: { nameId, attributes: { Role: roles } },
  values: { nameIdFormat: URN.unspecified },
});

describe('Keycloak SAML guide', () => {
  it('when a user has jellyfin-admins among other realm roles, then the guide JSON signs them in as an administrator', async () => {
    const run = keycloak(['default-roles-jellyfin', 'offline_access', 'jellyfin-admins']);
    const { auth, answer } = await signInWithGuide(service(), run);

    expect(answer.xml.match(/<saml:Attribute Name="Role"/g)).toHaveLength(3);
    expect(answer.xml).toMatch(/<samlp:Response[^>]*>\s*<saml:Issuer>[^<]*<\/saml:Issuer>\s*<ds:Signature/);
    expect(auth?.User.Name).toBe('alice');
    expect(auth?.User.Policy?.IsAdministrator).toBe(true);
  });

  it('when a user has only jellyfin-users, then they are signed in as a member', async () => {
    const { auth } = await signInWithGuide(service(), keycloak(['jellyfin-users'], 'bob'));

    expect(auth?.User.Name).toBe('bob');
    expect(auth?.User.Policy?.IsAdministrator).toBe(false);
  });
});
