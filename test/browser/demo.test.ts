// `npm run demo` for real: spawns `node --import tsx src/demo/main.ts` on a free port, reads the URL, the
// accounts and the API key it prints, signs in through its IdP with fetch (and in headless Chromium when
// one is installed), then sends SIGINT and expects exit code 0 and the temporary data folder gone.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authBody, browserGet, pageParams } from '../support/browser.js';
import { chromiumAvailable, chromiumPath, launchChromium } from '../support/chromium.js';
import { saveScreenshot } from '../support/console-browser.js';
import { errorPageOf } from '../support/error-page.js';
import { cleanEnv, startDemo, type Demo } from '../support/demo.js';
import { CookieJar, followLogin } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('npm run demo', () => {
  let demo: Demo;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    demo = await startDemo(port);
  }, 120_000);
  afterAll(() => {
    if (demo?.child.exitCode === null) demo.child.kill('SIGKILL');
  });

  it('when it starts, then it prints the start URL, the three accounts and a working API key', async () => {
    expect(demo.startUrl).toBe(`http://localhost:${port}/sso/OID/start/demo`);
    expect(demo.output()).toContain(`Admin console  http://localhost:${port}/sso/admin/`);
    expect(demo.output()).toMatch(/alice\s+groups jellyfin-admins, jellyfin-users/);
    expect(demo.output()).toMatch(/bob\s+groups jellyfin-users/);
    expect(demo.output()).toMatch(
      /carol\s+groups family\s+→ refused \(in no allowed group; the admin console shows why, under Activity\)/,
    );
    expect(existsSync(demo.dataDir)).toBe(true);
    const providers = await fetch(`http://127.0.0.1:${port}/sso/OID/Get`, {
      headers: { authorization: `MediaBrowser Token="${demo.apiKey}"` },
    });
    expect(providers.status).toBe(200);
    expect(Object.keys((await providers.json()) as Record<string, unknown>).sort()).toEqual([
      'backup',
      'demo',
    ]);
  });

  it('when alice signs in with a fetch-driven browser, then Auth makes her an administrator', async () => {
    const jar = new CookieJar();
    const start = await browserGet(demo.startUrl, jar);
    expect(start.status).toBe(302);
    const callback = await followLogin(start.headers.get('location') ?? '', 'alice', undefined, {
      useForm: true,
    });
    expect(callback.origin).toBe(`http://localhost:${port}`);
    const page = await browserGet(callback, jar);
    expect(page.status).toBe(200);
    const response = await fetch(`http://localhost:${port}/sso/OID/Auth/demo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: jar.header() },
      body: JSON.stringify(authBody(pageParams(page.text).data)),
    });
    expect(response.status).toBe(200);
    const result = (await response.json()) as {
      User: { Name: string; Policy: { IsAdministrator: boolean } };
    };
    expect(result.User.Name).toBe('alice');
    expect(result.User.Policy.IsAdministrator).toBe(true);
  });

  it('when the printed IdP address is opened, then it says what it is and lists the accounts with their outcome', async () => {
    const issuer = /Demo OpenID Provider:\s+(http:\/\/\S+)/.exec(demo.output())?.[1] ?? '';
    expect(issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const home = await fetch(issuer);
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain('local OpenID Provider of <code>npm run demo</code>');
    expect(html).toMatch(/<code>alice<\/code>.*→ administrator/);
    expect(html).toMatch(/<code>carol<\/code>.*→ refused/);
    expect(html).toContain('Sign out (switch user)');
  });

  it('when alice signs out at the demo IdP, then the next sign-in in that browser asks again and bob can sign in', async () => {
    const issuer = /Demo OpenID Provider:\s+(http:\/\/\S+)/.exec(demo.output())?.[1] ?? '';
    const idpJar = new CookieJar();
    /** One sign-in in a browser that keeps the IdP's cookies in idpJar; the name Auth answers. */
    const signInAs = async (account: string): Promise<string> => {
      const jar = new CookieJar();
      const start = await browserGet(demo.startUrl, jar);
      const callback = await followLogin(start.headers.get('location') ?? '', account, idpJar, {
        useForm: true,
      });
      const page = await browserGet(callback, jar);
      const response = await fetch(`http://localhost:${port}/sso/OID/Auth/demo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: jar.header() },
        body: JSON.stringify(authBody(pageParams(page.text).data)),
      });
      return ((await response.json()) as { User: { Name: string } }).User.Name;
    };
    expect(await signInAs('alice')).toBe('alice');
    // The IdP remembers alice: without a sign-out, asking for bob still signs alice in.
    expect(await signInAs('bob')).toBe('alice');
    const signedOut = await fetch(`${issuer}sign-out`, {
      method: 'POST',
      headers: { cookie: idpJar.header() },
    });
    expect(await signedOut.text()).toContain('Signed out <code>alice</code>');
    expect(await signInAs('bob')).toBe('bob');
  });

  it('when carol signs in, then the role rule refuses her at the callback and the activity log names it', async () => {
    const jar = new CookieJar();
    const start = await browserGet(demo.startUrl, jar);
    const callback = await followLogin(start.headers.get('location') ?? '', 'carol', undefined, {
      useForm: true,
    });
    const page = await browserGet(callback, jar);
    expect(page.status).toBe(403);
    expect(errorPageOf(page.text).reason).toBe('not_permitted');
    // The activity entry is written just after the reply: wait for it (bounded).
    let entries: { username: string; rule: string }[] = [];
    for (let attempt = 0; attempt < 100 && entries.length === 0; attempt++) {
      const refused = await fetch(`http://127.0.0.1:${port}/sso/Activity?outcome=refused`, {
        headers: { authorization: `MediaBrowser Token="${demo.apiKey}"` },
      });
      ({ entries } = (await refused.json()) as { entries: typeof entries });
      if (entries.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(entries[0]).toMatchObject({ username: 'carol', rule: 'access.required_role' });
  });

  // Skipped (and counted as skipped) where no browser can run; on CI a missing Chromium throws here.
  const withChromium = chromiumAvailable() ? it : it.skip;
  if (withChromium === it.skip)
    console.log(`demo test: the Chromium cases are skipped (no Chromium at ${chromiumPath()})`);
  withChromium('when bob signs in with headless Chromium, then the page shows him signed in', async () => {
    const browser = await launchChromium();
    if (browser === null) throw new Error('Chromium vanished');
    try {
      const page = await browser.newPage();
      await page.goto(demo.startUrl);
      await page.fill('input[name="login"]', 'bob');
      await page.click('button[type="submit"]');
      await page.waitForSelector('body[data-sso-state="signed-in"]', { timeout: 30_000 });
      expect(await page.textContent('#status')).toBe('Signed in as bob');
    } finally {
      await browser.close();
    }
  });

  // The newcomer's hour without curl: the printed console URL, alice's sign-in through the demo IdP, carol's
  // refusal read in Activity with its rule, the demo provider tested and previewed. Its screenshots are the
  // README's.
  withChromium(
    'when alice opens the printed console URL, then she signs in through SSO, reads why carol was refused, and tests and previews the provider',
    async () => {
      const browser = await launchChromium();
      if (browser === null) throw new Error('Chromium vanished');
      try {
        const consoleUrl = /Admin console\s+(http:\/\/\S+)/.exec(demo.output())?.[1] ?? '';
        const carol = await browser.newPage();
        await carol.goto(demo.startUrl);
        await carol.fill('input[name="login"]', 'carol');
        await carol.click('button[type="submit"]');
        await carol.getByRole('heading', { name: 'Access denied' }).waitFor();

        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (error) => errors.push(error.message));
        await page.goto(consoleUrl);
        await page.getByRole('link', { name: 'Sign in with demo' }).click();
        await page.fill('input[name="login"]', 'alice');
        await page.click('button[type="submit"]');
        await page.getByRole('link', { name: 'Open the admin console' }).click();
        await page.getByRole('link', { name: 'demo', exact: true }).waitFor();

        await page.getByRole('link', { name: 'Activity' }).click();
        const refusal = page.getByRole('row').filter({ hasText: 'carol' });
        await refusal.getByText('access.required_role').first().waitFor();
        await saveScreenshot(page, 'demo-activity');

        await page.goto(`${consoleUrl}#/providers/oidc/demo/test`);
        await page.getByRole('button', { name: 'Run the checks' }).click();
        await page.getByRole('list', { name: 'Checks' }).waitFor();
        await saveScreenshot(page, 'demo-test');

        await page.goto(`${consoleUrl}#/providers/oidc/demo/preview`);
        await page
          .getByLabel('Claims (JSON)')
          .fill(JSON.stringify({ sub: 'carol', preferred_username: 'carol', groups: ['family'] }));
        await page.getByRole('button', { name: 'Preview', exact: true }).click();
        await page.getByRole('alert').filter({ hasText: 'Refused' }).waitFor();
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );

  it('when it gets SIGINT, then it stops within seconds with exit code 0 and removes its data', async () => {
    const sent = Date.now();
    demo.child.kill('SIGINT');
    const result = await Promise.race([
      demo.exited,
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000)),
    ]);
    expect(result, demo.output()).toEqual({ code: 0, signal: null });
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect(demo.output()).toContain('Demo stopped.');
    expect(existsSync(demo.dataDir)).toBe(false);
  });
});

describe('npm run demo refusing to start', () => {
  let blocker: Server;
  let taken = 0;
  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    taken = typeof address === 'object' && address !== null ? address.port : 0;
  });
  afterAll(() => new Promise((resolve) => blocker.close(resolve)));

  /** Runs the demo with these settings (and node options before tsx) until it exits. */
  function runDemo(
    env: Record<string, string>,
    nodeOptions: string[] = [],
  ): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [...nodeOptions, '--import', 'tsx', 'src/demo/main.ts'],
        { cwd: ROOT, env: { ...cleanEnv(), ...env }, timeout: 100_000 },
        (error, _stdout, stderr) => resolve({ code: error === null ? 0 : (error.code as number), stderr }),
      );
    });
  }

  it('when PORT is taken, then one line names HOST and PORT and the exit status is 2', async () => {
    const outcome = await runDemo({ PORT: String(taken) });
    expect(outcome.code, outcome.stderr).toBe(2);
    expect(outcome.stderr.trim().split('\n'), outcome.stderr).toHaveLength(1);
    expect(outcome.stderr).toContain(
      `cannot listen on 127.0.0.1:${taken} (HOST, PORT): the port is already in use`,
    );
  }, 110_000);

  it('when DEMO_IDP_PORT is taken, then one line names it and the exit status is 2; LOG_LEVEL=debug adds the stack', async () => {
    const port = await freePort();
    const outcome = await runDemo({ PORT: String(port), DEMO_IDP_PORT: String(taken) });
    expect(outcome.code, outcome.stderr).toBe(2);
    expect(outcome.stderr.trim().split('\n'), outcome.stderr).toHaveLength(1);
    expect(outcome.stderr).toContain(`127.0.0.1:${taken} (DEMO_IDP_PORT): the port is already in use`);
    const debug = await runDemo({ PORT: String(port), DEMO_IDP_PORT: String(taken), LOG_LEVEL: 'debug' });
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/^\s+at /m);
  }, 110_000);

  it('when the installation has no development dependencies (no oidc-provider), then one line says so and the exit status is 2', async () => {
    // A resolve hook stands in for `npm ci --omit=dev`: oidc-provider cannot be found.
    const hook = `export async function resolve(specifier, context, next) {
      if (specifier === 'oidc-provider') throw Object.assign(new Error('Cannot find package oidc-provider'), { code: 'ERR_MODULE_NOT_FOUND' });
      return next(specifier, context);
    }`;
    const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
    const outcome = await runDemo({ PORT: String(await freePort()) }, [
      '--import',
      `data:text/javascript,${encodeURIComponent(register)}`,
    ]);
    expect(outcome.code, outcome.stderr).toBe(2);
    expect(outcome.stderr.trim().split('\n'), outcome.stderr).toHaveLength(1);
    expect(outcome.stderr).toContain('needs the development dependencies');
    expect(outcome.stderr).toContain('npm ci --omit=dev');
  }, 110_000);
});
