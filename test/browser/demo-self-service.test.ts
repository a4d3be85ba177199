// `npm run demo -- --app` for real, at API level: the second provider `backup` on the same demo IdP, alice
// linking it while signed in, the scripted app signing in with an app password typed at the demo's standard
// input (and refused after the revoke), the app's device signed out, and a clean stop with the app still
// reading; then DEMO_APP_PASSWORD without a terminal, across a restart on kept data.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAppPassword,
  createSsoClient,
  listDevices,
  listOidcLinks,
  revokeAppPassword,
  signOutDevice,
} from '../../clients/typescript/index.js';
import { appSignIn, APP_DEVICE } from '../../src/demo/app.js';
import {
  clientOf,
  interruptDemo,
  linkAtDemo,
  signInAtDemo,
  startDemo,
  typeToApp,
  type Demo,
  type DemoSignIn,
} from '../support/demo.js';
import { CookieJar } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';

describe('npm run demo -- --app: the self-service walk', () => {
  let demo: Demo;
  let alice: DemoSignIn;
  /** Alice's browser at the IdP: it remembers her, as a real browser does. */
  const idpJar = new CookieJar();

  beforeAll(async () => {
    demo = await startDemo(await freePort(), { args: ['--app'], stdin: 'pipe' });
  }, 120_000);
  afterAll(() => {
    if (demo?.child.exitCode === null) demo.child.kill('SIGKILL');
  });

  it('when it starts, then it names both providers, the self-service steps and the app waiting with its curl line', async () => {
    const text = demo.output();
    expect(text).toContain(`demo    ${demo.publicUrl}/sso/OID/start/demo  the sign-in`);
    expect(text).toContain(`backup  ${demo.publicUrl}/sso/OID/start/backup  a second way in`);
    expect(text).toContain(`1. Open ${demo.publicUrl}/sso/ and sign in with demo as alice.`);
    expect(text).toContain(`2. Open ${demo.publicUrl}/sso/account`);
    expect(text).toContain('3. Link backup');
    expect(text).toContain('4. Create an app password and paste it into the scripted app below.');
    expect(text).toContain("5. Revoke the app password: the app's next sign-in is refused.");
    expect(text).toContain('6. Devices: sign out "Demo app"');
    expect(text).toContain('A scripted app is waiting');
    expect(text).toContain('(no terminal here)');
    expect(text).toContain(
      `-d '{"Username":"alice","Pw":"<app password>"}' ${demo.publicUrl}/Users/AuthenticateByName`,
    );
    const providers = await fetch(`${demo.baseUrl}/sso/OID/Get`, {
      headers: { authorization: `MediaBrowser Token="${demo.apiKey}"` },
    });
    const configured = (await providers.json()) as Record<string, { oidClientId: string; roles: string[] }>;
    expect(Object.keys(configured).sort()).toEqual(['backup', 'demo']);
    expect(configured['backup']).toMatchObject({
      oidClientId: 'jellyfin-demo-backup',
      roles: ['jellyfin-users'],
    });
    expect(configured['demo']).toMatchObject({ oidClientId: 'jellyfin-demo' });
  });

  it('when the IdP address is opened, then it lists both clients and what each is for', async () => {
    const html = await (await fetch(demo.issuer)).text();
    expect(html).toMatch(/<code>jellyfin-demo<\/code>: provider &#34;demo&#34; at the service: the sign-in/);
    expect(html).toMatch(/<code>jellyfin-demo-backup<\/code>: provider &#34;backup&#34; at the service/);
  });

  it('when alice signs in with demo and links backup, then a fresh sign-in through backup lands in her account', async () => {
    alice = await signInAtDemo(demo, 'demo', 'alice', idpJar);
    expect(alice.name).toBe('alice');
    // The IdP remembers alice in this browser: the linking trip asks for no account name.
    expect(await linkAtDemo(demo, 'backup', 'nobody-asked', alice, idpJar)).toBe(204);
    const links = await listOidcLinks({
      client: clientOf(demo, alice),
      path: { jellyfinUserId: alice.userId },
    });
    expect(links.data).toEqual({ demo: ['alice'], backup: ['alice'] });
    const again = await signInAtDemo(demo, 'backup', 'alice');
    expect({ id: again.userId, name: again.name }).toEqual({ id: alice.userId, name: 'alice' });
  });

  it('when the app gets Enter before any password, then it says it has none and keeps waiting', async () => {
    const from = demo.output().length;
    demo.child.stdin?.write('\n');
    await expect
      .poll(() => demo.output().slice(from), { timeout: 10_000 })
      .toContain('The app has no password yet.');
  });

  it('when alice makes an app password and types it at the app, then the app signs in; after the revoke, Enter gets a refusal', async () => {
    const made = await createAppPassword({
      client: clientOf(demo, alice),
      path: { jellyfinUserId: alice.userId },
    });
    expect(made.response.status).toBe(201);
    const password = made.data?.password ?? '';
    expect(await typeToApp(demo, password)).toBe(`App signed in as alice (device ${APP_DEVICE.name})`);
    // The demo never prints it (in a terminal, only the terminal's echo of the typing shows it).
    expect(demo.output()).not.toContain(password);

    const devices = await listDevices({
      client: clientOf(demo, alice),
      path: { jellyfinUserId: alice.userId },
    });
    expect(devices.data?.map((d) => d.deviceName)).toContain(APP_DEVICE.name);

    const revoked = await revokeAppPassword({
      client: clientOf(demo, alice),
      path: { jellyfinUserId: alice.userId },
    });
    expect(revoked.response.status).toBe(204);
    expect(await typeToApp(demo, '')).toBe(
      'App sign-in refused (401): wrong name or password (the app password was revoked, replaced, or mistyped)',
    );
    expect(await appSignIn(demo.baseUrl, 'alice', password)).toMatchObject({ ok: false, status: 401 });
  });

  it("when alice signs out the app's device, then it leaves her devices and her own session stays", async () => {
    const client = clientOf(demo, alice);
    const path = { jellyfinUserId: alice.userId };
    const out = await signOutDevice({ client, path: { ...path, deviceId: APP_DEVICE.id } });
    expect(out.response.status).toBe(204);
    const devices = await listDevices({ client, path });
    expect(devices.response.status).toBe(200);
    expect(devices.data?.map((d) => d.deviceName)).not.toContain(APP_DEVICE.name);
  });

  it('when it gets SIGINT while the app still reads its input, then it stops within seconds with exit code 0', async () => {
    const { result, took } = await interruptDemo(demo);
    expect(result, demo.output()).toEqual({ code: 0, signal: null });
    expect(took).toBeLessThan(10_000);
    expect(demo.output()).toContain('Demo stopped.');
  });
});

describe('npm run demo -- --app with DEMO_APP_PASSWORD and no terminal', () => {
  let dataDir: string;
  let port: number;
  let password: string;
  const running: Demo[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'jellyfin-sso-demo-app-'));
    port = await freePort();
    // A first run on kept data: alice signs in once and an app password is made with the demo's API key.
    const first = await startDemo(port, { env: { SSO_DATA_DIR: dataDir } });
    running.push(first);
    const alice = await signInAtDemo(first, 'demo', 'alice');
    const made = await createAppPassword({
      client: createSsoClient({ baseUrl: first.baseUrl, token: first.apiKey }),
      path: { jellyfinUserId: alice.userId },
    });
    password = made.data?.password ?? '';
    expect((await interruptDemo(first)).result).toEqual({ code: 0, signal: null });
  }, 240_000);
  afterAll(() => {
    for (const demo of running) if (demo.child.exitCode === null) demo.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when the demo starts again with --app, then the app signs in with it at once, never prints it, and SIGINT stops everything', async () => {
    const demo = await startDemo(port, {
      args: ['--app', '--tv'],
      env: { SSO_DATA_DIR: dataDir, DEMO_APP_PASSWORD: password },
    });
    running.push(demo);
    await expect
      .poll(() => demo.output(), { timeout: 30_000 })
      .toContain(`App signed in as alice (device ${APP_DEVICE.name})`);
    expect(demo.output()).toContain('It signs in with DEMO_APP_PASSWORD now');
    expect(demo.output()).toContain('A scripted TV is waiting');
    expect(demo.output()).not.toContain(password);
    const { result, took } = await interruptDemo(demo);
    expect(result, demo.output()).toEqual({ code: 0, signal: null });
    expect(took).toBeLessThan(10_000);
  }, 120_000);

  it('when DEMO_APP_PASSWORD is wrong, then the app reports the refusal and the demo keeps running until SIGINT', async () => {
    const demo = await startDemo(port, {
      args: ['--app'],
      env: { SSO_DATA_DIR: dataDir, DEMO_APP_PASSWORD: 'not-the-app-password' },
    });
    running.push(demo);
    await expect.poll(() => demo.output(), { timeout: 30_000 }).toContain('App sign-in refused (401)');
    expect(demo.output()).not.toContain('not-the-app-password');
    expect((await fetch(`${demo.baseUrl}/sso/`)).status).toBe(200);
    const { result } = await interruptDemo(demo);
    expect(result, demo.output()).toEqual({ code: 0, signal: null });
  }, 120_000);
});
