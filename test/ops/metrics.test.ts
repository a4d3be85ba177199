// The Prometheus listener (SSO_METRICS_PORT) of a service in jellyfin mode: sign-ins by provider, protocol
// and outcome (a refusal with its step, code and rule), step latencies, Jellyfin calls by endpoint template
// and their failures, the gauges read at scrape time, database failures and the process metrics; and no
// label holding a user name, subject, id or client address.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addOidcProvider, authenticateOidc, getReadiness } from '../../clients/typescript/index.js';
import { READINESS_CACHE_MS } from '../../src/http/health.js';
import { startTestApp, TestClock, type TestApp } from '../support/app.js';
import { CookieJar, authBody, browserGet, pageParams } from '../support/browser.js';
import { startFakeJellyfin, type FakeJellyfin } from '../support/fake-jellyfin.js';
import { requireJellyfinDocuments } from '../support/jellyfin-openapi.js';
import { followLogin, jellyfinClient, startOidcIdp, type OidcIdp } from '../support/oidc-idp.js';
import { freePort } from '../support/ports.js';

/** Every sample line of a Prometheus text exposition: name, labels and value. */
function samples(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (match === null) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
      );
      return { name: match[1] ?? '', labels, value: Number(match[3]) };
    });
}

/** The value of the one sample with this name and these labels (among others); undefined when none. */
function valueOf(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  return samples(text).find(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  )?.value;
}

requireJellyfinDocuments();
describe('metrics in jellyfin mode', () => {
  let fake: FakeJellyfin;
  let idp: OidcIdp;
  let t: TestApp;
  let clock: TestClock;
  let metricsUrl: string;

  beforeEach(async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    fake = await startFakeJellyfin({ version: '10.11.11' });
    idp = await startOidcIdp({
      clients: [jellyfinClient(port, 'idp')],
      accounts: {
        'sub-bob': { preferred_username: 'bob', groups: ['users'] },
        'sub-eve': { preferred_username: 'eve', groups: ['guests'] },
      },
    });
    clock = new TestClock();
    t = await startTestApp(
      {
        SSO_PUBLIC_URL: `http://127.0.0.1:${port}`,
        SSO_MEDIA_SERVER: 'jellyfin',
        JELLYFIN_URL: fake.url,
        JELLYFIN_API_KEY: fake.apiKey,
        SSO_METRICS_PORT: String(metricsPort),
      },
      { port, clock },
    );
    const added = await addOidcProvider({
      client: t.clientWith(fake.apiKey),
      path: { provider: 'idp' },
      body: {
        oidEndpoint: idp.issuer,
        oidClientId: 'jellyfin',
        oidSecret: 'jellyfin-secret',
        enabled: true,
        enableAuthorization: true,
        roles: ['users'],
        roleClaim: 'groups',
        oidScopes: ['groups'],
      },
    });
    expect(added.response.status).toBe(200);
  });
  afterEach(async () => {
    await t.close();
    await idp.close();
    await fake.close();
  });

  /** One OIDC sign-in through the browser steps and Auth; the Auth status. */
  async function signIn(subject: string): Promise<{ status: number; userId: string | undefined }> {
    const jar = new CookieJar();
    const start = await browserGet(`${t.baseUrl}/sso/OID/start/idp`, jar);
    const page = await browserGet(await followLogin(start.headers.get('location') ?? '', subject), jar);
    if (page.status !== 200) return { status: page.status, userId: undefined };
    const { data, response } = await authenticateOidc({
      client: t.anonymous,
      path: { provider: 'idp' },
      body: authBody(pageParams(page.text).data),
      headers: { cookie: jar.header() },
    });
    return { status: response.status, userId: data?.User.Id };
  }

  async function scrape(): Promise<string> {
    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text();
  }

  it('when users sign in and are refused, then the sign-ins, steps and Jellyfin calls are counted by bounded labels only', async () => {
    const bob = await signIn('sub-bob');
    expect(bob.status).toBe(200);
    expect((await signIn('sub-eve')).status).not.toBe(200);
    await browserGet(`${t.baseUrl}/sso/OID/start/no-such-${'x'.repeat(40)}`, new CookieJar());
    // The activity entries are written (and counted) just after each reply.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = await scrape();

    const success = { provider: 'idp', protocol: 'oidc', outcome: 'success', step: 'session' };
    expect(valueOf(text, 'sso_sign_ins_total', success)).toBe(1);
    const refusal = samples(text).find(
      (s) =>
        s.name === 'sso_sign_ins_total' &&
        s.labels['outcome'] === 'refused' &&
        s.labels['provider'] === 'idp',
    );
    expect(refusal?.labels).toMatchObject({
      protocol: 'oidc',
      code: 'not_permitted',
      rule: 'access.required_role',
    });
    expect(valueOf(text, 'sso_sign_ins_total', { provider: 'unknown', code: 'provider_not_found' })).toBe(1);
    for (const step of ['start', 'callback', 'auth']) {
      const count = valueOf(text, 'sso_step_duration_seconds_count', {
        protocol: 'oidc',
        step,
        outcome: 'ok',
      });
      expect(count, step).toBeGreaterThanOrEqual(1);
    }
    const endpoints = samples(text)
      .filter((s) => s.name === 'sso_media_server_request_duration_seconds_count')
      .map((s) => s.labels['endpoint']);
    expect(endpoints).toContain('POST /Users/New');
    expect(endpoints.some((endpoint) => endpoint?.includes('{'))).toBe(true);
    expect(valueOf(text, 'sso_open_flows')).toBeGreaterThanOrEqual(0);
    expect(valueOf(text, 'sso_replay_cache_entries')).toBe(0);
    expect(valueOf(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);

    // No label value is a user, a subject, an id (Jellyfin's GUIDs, request ids) or a client address.
    const forbidden = ['bob', 'eve', 'sub-bob', 'sub-eve', bob.userId ?? '-', '127.0.0.1', '::1'];
    for (const sample of samples(text)) {
      for (const value of Object.values(sample.labels)) {
        expect(forbidden, `${sample.name} ${value}`).not.toContain(value);
        expect(value, sample.name).not.toMatch(/[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-/i);
      }
    }
  });

  it('when Jellyfin is down and the database is gone, then their failures are counted', async () => {
    await fake.close();
    clock.advance(READINESS_CACHE_MS);
    expect((await getReadiness({ client: t.anonymous })).response.status).toBe(503);
    const down = await scrape();
    expect(
      valueOf(down, 'sso_media_server_request_errors_total', {
        endpoint: 'GET /Auth/Keys',
        failure: 'network',
      }),
    ).toBe(1);

    await t.app.database.orm.close(true);
    // The gauges' reads fail during the first scrape; the counter, written before them, shows it next time.
    await scrape();
    const text = await scrape();
    expect(valueOf(text, 'sso_database_errors_total', { store: 'flows' })).toBe(1);
    expect(valueOf(text, 'sso_database_errors_total', { store: 'replay' })).toBe(1);
  });

  it('when the public listener is asked for /metrics, then it does not serve them', async () => {
    const response = await fetch(`${t.baseUrl}/metrics`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('sso_sign_ins_total');
  });
});
