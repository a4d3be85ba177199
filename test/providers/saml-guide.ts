// Runs a SAML provider guide (docs/providers/*-saml.md, saml-generic.md) as written: reads its provider JSON
// (the first ```json block after "## Provider JSON"), fills in only the documented placeholders, Adds it
// through the generated client, and signs a user in end to end against the in-process SAML IdP shaped the
// way that product answers. So a guide cannot drift from what the service accepts.
import { readFileSync } from 'node:fs';

import { afterEach, beforeEach, expect } from 'vitest';

import { addSamlProvider, authenticateSaml, getSamlMetadata } from '../../clients/typescript/index.js';
import type { SamlProviderInput } from '../../clients/typescript/src/types.gen.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { freePort } from '../support/ports.js';
import { CookieJar, authBody, browserGet, browserPostForm, pageParams } from '../support/browser.js';
import {
  createSamlIdp,
  type ResponseValues,
  type SamlIdpOptions,
  type SamlUser,
} from '../support/saml-idp.js';

/** The public URL every guide writes; the test swaps in the test app's own. */
export const GUIDE_PUBLIC_URL = 'https://jellyfin.example.com';

export const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/saml/${name}`, import.meta.url), 'utf8');

export function guideText(file: string): string {
  return readFileSync(new URL(`../../docs/providers/${file}`, import.meta.url), 'utf8');
}

/** The first ```json block after the "## Provider JSON" heading, as text. */
export function providerJsonOf(markdown: string): string {
  const section = markdown.split(/^## Provider JSON$/m)[1];
  const block = section === undefined ? undefined : /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (block === undefined) throw new Error('no ```json block after "## Provider JSON"');
  return block;
}

/** A fresh service (SQLite, embedded directory) for each test of the calling file. */
export function serviceForEachTest(): () => TestApp {
  let app: TestApp | undefined;
  beforeEach(async () => {
    const port = await freePort();
    app = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
  });
  afterEach(async () => {
    await app?.close();
  });
  return () => {
    if (app === undefined) throw new Error('the service runs only inside a test');
    return app;
  };
}

export interface GuideRun {
  /** The guide's file name in docs/providers/. */
  guide: string;
  /** The provider name of the guide's curl line. */
  provider: string;
  /** How the imitated product signs and shapes its answer. */
  idp: Omit<SamlIdpOptions, 'privateKeyPem' | 'certPem'>;
  user: SamlUser;
  /** Values of the answer the product sets differently from the test IdP's defaults (NameID format, …). */
  values?: Partial<ResponseValues>;
}

/** The provider JSON of the guide with its placeholders filled in; every placeholder must be documented. */
export function guideProvider(markdown: string, placeholders: Record<string, string>): SamlProviderInput {
  let json = providerJsonOf(markdown);
  for (const [placeholder, value] of Object.entries(placeholders)) {
    expect(json, `the guide's JSON has the placeholder ${placeholder}`).toContain(placeholder);
    json = json.split(placeholder).join(value);
  }
  expect(json, 'no placeholder left').not.toMatch(/<[^>]+>/);
  return JSON.parse(json) as SamlProviderInput; // the service checks the shape: Add refuses anything else
}

/** Adds the guide's provider, then start → the imitated IdP → ACS → Auth; returns what Auth answered. */
export async function signInWithGuide(t: TestApp, run: GuideRun) {
  const markdown = guideText(run.guide);
  const idp = createSamlIdp({
    privateKeyPem: fixture('idp-key.pem'),
    certPem: fixture('idp-cert.pem'),
    ...run.idp,
  });
  // The one placeholder of every SAML guide; the IdP URL stays as written (the test IdP answers any URL).
  const body = guideProvider(markdown, { '<IdP certificate>': idp.certificateBase64 });
  expect(markdown).toContain(`/sso/SAML/Add/${run.provider} `);
  const added = await addSamlProvider({ client: t.admin, path: { provider: run.provider }, body });
  expect(added.error).toBeUndefined();
  expect(added.response.status).toBe(200);

  const jar = new CookieJar();
  const start = await browserGet(`${t.baseUrl}/sso/SAML/start/${run.provider}`, jar);
  expect(start.status).toBe(302);
  const answer = await idp.respond(start.headers.get('location') ?? '', run.user, run.values);
  // What the guide tells the admin to register is what the service sends and checks.
  const guideAcs = `${GUIDE_PUBLIC_URL}/sso/SAML/post/${run.provider}`;
  expect(markdown).toContain(guideAcs);
  expect(answer.request.acsUrl).toBe(guideAcs.replace(GUIDE_PUBLIC_URL, t.config.publicUrl));
  expect(answer.request.issuer).toBe(body.samlClientId);
  await expectGuideMetadata(t, run, markdown, body.samlClientId);

  const page = await browserPostForm(
    `${t.baseUrl}/sso/SAML/post/${run.provider}`,
    { SAMLResponse: answer.samlResponse, RelayState: answer.relayState ?? '' },
    null,
  );
  expect(page.status, page.text.slice(0, 400)).toBe(200);
  const auth = await authenticateSaml({
    client: t.anonymous,
    path: { provider: run.provider },
    body: authBody(pageParams(page.text).data),
    headers: { cookie: jar.header() },
  });
  expect(auth.error).toBeUndefined();
  return { auth: auth.data, answer };
}

/** The guide's SP metadata URL is served and names the SP entity id the guide registers. */
async function expectGuideMetadata(t: TestApp, run: GuideRun, markdown: string, entityId: string) {
  expect(markdown).toContain(`${GUIDE_PUBLIC_URL}/sso/SAML/metadata/${run.provider}`);
  const { data, response } = await getSamlMetadata({
    client: t.anonymous,
    path: { provider: run.provider },
    parseAs: 'text',
  });
  expect(response.status).toBe(200);
  expect(String(data)).toContain(`entityID="${entityId}"`);
}
