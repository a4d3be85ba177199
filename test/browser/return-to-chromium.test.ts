// Linking flows started from the account page (`?isLinking=true&returnTo=account`) in headless Chromium:
// bob signs in through provider "home" (the standalone page offers "Manage your account"), then links an
// OIDC identity at "work" (the in-process OpenID Provider's form) and a SAML identity at "corp+eu" (the test
// SAML IdP, behind an SSO URL of its own whose page posts the signed answer to the ACS); each time the
// finishing page's script calls Link and the browser goes to /sso/account?linked=<provider, URL-encoded>.
// Which page answers there is not this file's concern (the account page has tests of its own): the
// navigation itself is what is checked. A failure shows its reason and "Back to your account" in place of
// "Try again"; a linking flow without returnTo stays on its page as before. The pages' strict CSP must hold.
import { createServer } from 'node:http';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addOidcProvider, addSamlProvider, listLinkDetails } from '../../clients/typescript/index.js';
import { escapeHtml } from '../../src/http/html.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { describeWithChromium, launchChromium } from '../support/chromium.js';
import { createTestSamlIdp } from '../support/linked-users.js';
import { startOidcIdp, type OidcIdp } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';
import type { SamlIdp } from '../support/saml-idp.js';

const ACCOUNTS = {
  'sub-bob': { preferred_username: 'bob' },
  'sub-bob-at-work': { preferred_username: 'robert' },
};
const SAML_PROVIDER = 'corp+eu';
const SAML_NAME_ID = 'bob@corp.example';

interface SamlSso {
  url: string;
  close(): Promise<void>;
}

/**
 * The test SAML IdP's SSO URL on a port of its own: it answers the AuthnRequest (HTTP-Redirect binding) for
 * `SAML_NAME_ID` with a page that posts the signed Response to the ACS (HTTP-POST binding, SAML Bindings
 * §3.5), as an IdP's page does once the user signed in.
 */
async function startSamlSso(saml: SamlIdp): Promise<SamlSso> {
  const port = await freePort();
  const field = (name: string, value: string): string =>
    `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  const server = createServer((req, res) => {
    saml.respond(`http://127.0.0.1:${port}${req.url ?? '/'}`, { nameId: SAML_NAME_ID }).then(
      (answer) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          `<!doctype html><title>IdP</title><form method="post" action="${escapeHtml(answer.request.acsUrl)}">` +
            field('SAMLResponse', answer.samlResponse) +
            field('RelayState', answer.relayState ?? '') +
            '</form><script>document.forms[0].submit()</script>',
        );
      },
      (error: unknown) => {
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(String(error));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}/sso`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const browser: Browser | null = await launchChromium();

describeWithChromium(
  'linking flows that return to the account page, in headless Chromium',
  browser,
  (chromium) => {
    let idp: OidcIdp;
    let t: TestApp;
    let samlSso: SamlSso;
    const saml = createTestSamlIdp();

    beforeAll(async () => {
      const port = await freePort();
      idp = await startOidcIdp({
        clients: [
          {
            client_id: 'jellyfin',
            client_secret: 'jellyfin-secret',
            redirect_uris: ['home', 'work'].map((p) => `http://127.0.0.1:${port}/sso/OID/redirect/${p}`),
          },
        ],
        accounts: ACCOUNTS,
      });
      t = await startTestApp({ SSO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
      samlSso = await startSamlSso(saml);
      for (const name of ['home', 'work']) {
        await addOidcProvider({
          client: t.admin,
          path: { provider: name },
          body: {
            oidEndpoint: idp.issuer,
            oidClientId: 'jellyfin',
            oidSecret: 'jellyfin-secret',
            enabled: true,
          },
          throwOnError: true,
        });
      }
      await addSamlProvider({
        client: t.admin,
        path: { provider: SAML_PROVIDER },
        body: {
          samlEndpoint: samlSso.url,
          samlClientId: 'jellyfin',
          samlCertificate: saml.certificateBase64,
          enabled: true,
        },
        throwOnError: true,
      });
    });
    afterAll(async () => {
      await chromium.close();
      await t?.close();
      await idp?.close();
      await samlSso?.close();
    });

    /** A context whose pages report CSP violations to `violations`, across navigations. */
    async function watchedContext(): Promise<{ context: BrowserContext; violations: string[] }> {
      const context = await chromium.newContext();
      const violations: string[] = [];
      await context.exposeBinding('__reportCsp', (_source, text: string) => violations.push(text));
      await context.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (event) => {
          const report = (window as unknown as { __reportCsp: (text: string) => void }).__reportCsp;
          void report(`${event.violatedDirective} blocked ${event.blockedURI} at ${location.pathname}`);
        });
      });
      return { context, violations };
    }

    /** start → the OpenID Provider's form (type `sub`, submit); returns once the browser is back here. */
    async function throughOidcIdp(page: Page, startPath: string, sub: string): Promise<void> {
      await page.goto(`${t.baseUrl}${startPath}`);
      await page.waitForURL(`${idp.issuer}/interaction/**`);
      await page.fill('input[name="login"]', sub);
      await Promise.all([
        page.waitForURL(`${t.baseUrl}/sso/OID/redirect/**`),
        page.click('button[type="submit"]'),
      ]);
    }

    async function settled(page: Page): Promise<string> {
      await page.waitForFunction(
        () => document.body.getAttribute('data-sso-state') !== 'working',
        undefined,
        {
          timeout: 45_000,
        },
      );
      return (await page.getAttribute('body', 'data-sso-state')) ?? '';
    }

    /** The browser's navigation to /sso/account, whatever answers it. */
    function accountNavigation(page: Page): Promise<Request> {
      return page.waitForRequest(
        (request) => request.isNavigationRequest() && new URL(request.url()).pathname === '/sso/account',
        { timeout: 45_000 },
      );
    }

    /** bob signed in through "home" in a fresh context (his session in localStorage), and his user id. */
    async function bobSignedIn(): Promise<{
      context: BrowserContext;
      page: Page;
      violations: string[];
      bob: string;
    }> {
      const { context, violations } = await watchedContext();
      const page = await context.newPage();
      await throughOidcIdp(page, '/sso/OID/start/home', 'sub-bob');
      expect(await settled(page)).toBe('signed-in');
      const stored = await page.evaluate(() => localStorage.getItem('jellyfin_credentials'));
      const bob = (JSON.parse(stored ?? '{}') as { Servers: { UserId: string }[] }).Servers[0]?.UserId;
      expect(bob).toMatch(/^[0-9a-f]{32}$/);
      // Signed out at the IdP (its session cookie) so it asks who links; localStorage keeps bob's session.
      await context.clearCookies();
      return { context, page, violations, bob: bob ?? '' };
    }

    async function linksOf(userId: string): Promise<string[]> {
      const links = await listLinkDetails({ client: t.admin, path: { jellyfinUserId: userId } });
      return (links.data ?? []).map((l) => `${l.provider}:${l.canonicalName}`);
    }

    it('when a user signs in on the standalone page, then it offers "Manage your account" at /sso/account', async () => {
      const { context, violations } = await watchedContext();
      const page = await context.newPage();
      await throughOidcIdp(page, '/sso/OID/start/home', 'sub-bob');
      expect(await settled(page)).toBe('signed-in');
      const manage = page.getByRole('link', { name: 'Manage your account' });
      expect(await manage.isVisible()).toBe(true);
      expect(await manage.getAttribute('href')).toBe('/sso/account');
      expect(violations).toEqual([]);
      await context.close();
    });

    it('when bob links an OIDC identity from the account page, then the page links it and opens /sso/account?linked=work', async () => {
      const { context, page, violations, bob } = await bobSignedIn();
      const navigation = accountNavigation(page);
      await throughOidcIdp(page, '/sso/OID/start/work?isLinking=true&returnTo=account', 'sub-bob-at-work');
      expect((await navigation).url()).toBe(`${t.baseUrl}/sso/account?linked=work`);
      expect(await linksOf(bob)).toContain('work:sub-bob-at-work');
      expect(violations).toEqual([]);
      await context.close();
    });

    it('when bob links a SAML identity from the account page, then RelayState brings the flow back and the page opens /sso/account?linked=<encoded provider>', async () => {
      const { context, page, violations, bob } = await bobSignedIn();
      const navigation = accountNavigation(page);
      await page.goto(
        `${t.baseUrl}/sso/SAML/start/${encodeURIComponent(SAML_PROVIDER)}?isLinking=true&returnTo=account`,
      );
      expect((await navigation).url()).toBe(`${t.baseUrl}/sso/account?linked=corp%2Beu`);
      expect(await linksOf(bob)).toContain(`${SAML_PROVIDER}:${SAML_NAME_ID}`);
      expect(violations).toEqual([]);
      await context.close();
    });

    it('when linking from the account page fails, then the page says why and leads back to the account page instead of "Try again"', async () => {
      // Nobody is signed in in this browser: the page refuses before it calls Link.
      const { context, violations } = await watchedContext();
      const page = await context.newPage();
      await throughOidcIdp(page, '/sso/OID/start/work?isLinking=true&returnTo=account', 'sub-bob-at-work');
      expect(await settled(page)).toBe('error');
      expect(await page.textContent('#status')).toBe('Linking failed');
      expect(await page.textContent('#detail')).toContain('not signed in');
      const back = page.getByRole('link', { name: 'Back to your account' });
      expect(await back.isVisible()).toBe(true);
      expect(await back.getAttribute('href')).toBe('/sso/account');
      expect(await page.getByRole('link', { name: 'Try again' }).isVisible()).toBe(false);
      expect(new URL(page.url()).pathname).toBe('/sso/OID/redirect/work');
      expect(violations).toEqual([]);
      await context.close();
    });

    it('when bob links without returnTo, then the page stays and says it is done, as before', async () => {
      const { context, page, violations } = await bobSignedIn();
      await throughOidcIdp(page, '/sso/OID/start/work?isLinking=true', 'sub-bob-at-work');
      expect(await settled(page)).toBe('linked');
      expect(await page.textContent('#detail')).toBe(
        'Your work account is now linked. You can close this page.',
      );
      expect(new URL(page.url()).pathname).toBe('/sso/OID/redirect/work');
      expect(await page.getByRole('link', { name: 'Back to your account' }).isVisible()).toBe(false);
      expect(violations).toEqual([]);
      await context.close();
    });
  },
);
