// A SAML IdP that breaks a structural rule, end to end through the ACS: the log line of the failed sign-in
// names the rule id and what to change at the IdP; the page and the problem a stranger gets show only the
// public text, reason and request id, never the rule, its advice or any XML.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSamlProvider } from '../../clients/typescript/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { freePort } from '../support/ports.js';
import { CookieJar, browserGet } from '../support/browser.js';
import { expectPrivateFailure, logLinesOf } from '../support/error-page.js';
import { guideProvider, guideText } from '../providers/saml-guide.js';
import {
  createSamlIdp,
  edit,
  encodeResponse,
  SIG,
  signXml,
  stripSignatures,
  type ResponseValues,
} from '../support/saml-idp.js';

const pem = (name: string): string =>
  readFileSync(new URL(`../fixtures/saml/${name}`, import.meta.url), 'utf8');
const KEY = pem('idp-key.pem');
const CERT = pem('idp-cert.pem');
const IDP_ENTITY = 'http://adfs.example.com/adfs/services/trust';

let t: TestApp;

beforeAll(async () => {
  const port = await freePort();
  t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
  // The admin followed the generic guide; the IdP then breaks one rule at a time.
  const body = guideProvider(guideText('saml-generic.md'), {
    '<IdP certificate>': createIdp().certificateBase64,
  });
  const { response } = await addSamlProvider({ client: t.admin, path: { provider: 'corp' }, body });
  expect(response.status).toBe(200);
});
afterAll(async () => {
  await t.close();
});

function createIdp(sigAlg?: string) {
  return createSamlIdp({
    entityId: IDP_ENTITY,
    privateKeyPem: KEY,
    certPem: CERT,
    ...(sigAlg ? { sigAlg } : {}),
  });
}

/** Strips the IdP's signature, applies `change`, and signs the Response again as the IdP. */
const resigned = (change: (xml: string) => string) => (xml: string) =>
  signXml(change(stripSignatures(xml)), { privateKeyPem: KEY, certPem: CERT, target: 'response' });

interface OddIdp {
  rule: string;
  /** The public reason (default saml_response_rejected); a missing expiry is told as an expired answer. */
  reason?: string;
  sigAlg?: string;
  overrides?: Partial<ResponseValues>;
  change?: (xml: string) => string;
}

const CASES: Record<string, OddIdp> = {
  'signs the Response but leaves out Destination': {
    rule: 'saml.destination_missing',
    overrides: { destination: null },
  },
  'restricts no audience': {
    rule: 'saml.audience_restriction_missing',
    change: resigned((xml) =>
      edit(xml, /<saml:AudienceRestriction>[\s\S]*?<\/saml:AudienceRestriction>/, ''),
    ),
  },
  'signs with RSA-SHA1': { rule: 'saml.sha1_signature_refused', sigAlg: SIG.rsaSha1 },
  'signs with a SHA-1 digest': {
    rule: 'saml.sha1_digest_refused',
    change: (xml) =>
      signXml(stripSignatures(xml), {
        privateKeyPem: KEY,
        certPem: CERT,
        target: 'response',
        digestAlg: SIG.sha1,
      }),
  },
  'canonicalizes SignedInfo inclusively': {
    rule: 'saml.c14n_not_exclusive',
    change: (xml) => edit(xml, `Algorithm="${SIG.excC14n}"/>`, `Algorithm="${SIG.c14n}"/>`),
  },
  'signs with two References': {
    rule: 'saml.reference_count',
    change: (xml) => {
      const reference = /<ds:Reference[\s\S]*?<\/ds:Reference>/.exec(xml)?.[0] ?? '';
      return edit(xml, reference, reference + reference);
    },
  },
  'sends an unsolicited (IdP-initiated) assertion': {
    rule: 'saml.idp_initiated',
    overrides: { responseInResponseTo: null, subjectInResponseTo: null },
  },
  'omits NotOnOrAfter on the subject confirmation': {
    rule: 'saml.confirmation_expiry_missing',
    reason: 'saml_expired',
    overrides: { subjectNotOnOrAfter: null },
  },
};

/** start → the odd IdP's answer → ACS, as a browser (HTML) or as an API caller (JSON). */
async function acs(odd: OddIdp, accept: string): Promise<{ status: number; text: string }> {
  const start = await browserGet(`${t.baseUrl}/sso/SAML/start/corp`, new CookieJar());
  const answer = await createIdp(odd.sigAlg).respond(
    start.headers.get('location') ?? '',
    { nameId: 'alice@example.com', attributes: { Role: ['jellyfin-users'] } },
    odd.overrides,
  );
  const xml = odd.change ? odd.change(answer.xml) : answer.xml;
  const response = await fetch(`${t.baseUrl}/sso/SAML/post/corp`, {
    method: 'POST',
    headers: { accept, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ SAMLResponse: encodeResponse(xml), RelayState: answer.relayState ?? '' }),
  });
  return { status: response.status, text: await response.text() };
}

describe('SAML structural rules, as the admin and a stranger see them', () => {
  for (const [what, odd] of Object.entries(CASES)) {
    it(`when the IdP ${what}, then the log names ${odd.rule} and the stranger sees neither it nor XML`, async () => {
      const page = await acs(odd, 'text/html');
      expect(page.status).toBe(401);
      const view = expectPrivateFailure(page, t.logs(), {
        reason: odd.reason ?? 'saml_response_rejected',
        hidden: [odd.rule, 'saml.', 'saml:', '&lt;', 'Assertion', 'Signature', 'Destination'],
      });
      const line = logLinesOf(t.logs(), view.requestId).find(
        (entry) => entry['code'] === 'idp_response_invalid',
      );
      const rule = line?.['rule'] as { id: string; fixAtIdp: string } | undefined; // a JSON log line
      expect(rule?.id).toBe(odd.rule);
      expect(rule?.fixAtIdp).toMatch(/\S.*\.$/);
      expect(page.text).not.toContain(rule?.fixAtIdp);

      const problem = await acs(odd, 'application/json');
      expect(problem.status).toBe(401);
      const body = JSON.parse(problem.text) as Record<string, unknown>;
      expect(body).toMatchObject({
        code: 'idp_response_invalid',
        reason: odd.reason ?? 'saml_response_rejected',
      });
      expect(Object.keys(body).sort()).toEqual([
        'code',
        'detail',
        'reason',
        'requestId',
        'status',
        'title',
        'type',
      ]);
      expect(problem.text).not.toContain(odd.rule);
      expect(problem.text).not.toMatch(/saml[.:]|[<>]|Destination|Assertion/);
    });
  }
});
