// The service's close() (src/app.ts): idempotent, and in order: stop accepting HTTP (requests in progress
// finish), stop the purge timer, write the activity log's waiting entries, close the media server, close the
// database last.
import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { getOidcProviderNames } from '../../clients/typescript/index.js';
import { BOOTSTRAP_KEY, startTestApp, type TestApp } from '../support/app.js';
import { rmSync } from 'node:fs';

const STEPS = ['HTTP server', 'metrics listener', 'purge timer', 'activity log', 'media server', 'database'];

let apps: TestApp[] = [];
afterEach(async () => {
  for (const app of apps) rmSync(app.dataDir, { recursive: true, force: true });
  apps = [];
});

async function start(dataDir?: string): Promise<TestApp> {
  const app = await startTestApp({}, dataDir === undefined ? {} : { dataDir });
  apps.push(app);
  return app;
}

/** The `closed: …` steps the app logged, in order. */
function closedSteps(t: TestApp): string[] {
  return t
    .logs()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (JSON.parse(line) as { msg: string }).msg)
    .filter((msg) => msg.startsWith('closed: '))
    .map((msg) => msg.slice('closed: '.length));
}

describe('close()', () => {
  it('when close() is called twice at once and again later, then each step runs once, in order', async () => {
    const t = await start();
    await Promise.all([t.app.close(), t.app.close()]);
    await t.app.close();

    expect(closedSteps(t)).toEqual(STEPS);
    expect(await t.app.database.orm.isConnected()).toBe(false);
    await expect(fetch(`${t.baseUrl}/sso/OID/GetNames`)).rejects.toThrow();
  });

  it('when close() returns, then the server no longer listens and a new connection is refused', async () => {
    const t = await start();
    // main.ts writes "shutting down" right after close() returns: whoever reads that line and connects
    // must be refused, not queued on a listener about to close (which a client sees as a reset).
    const closing = t.app.close();
    expect(t.server.listening).toBe(false);
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(Number(new URL(t.baseUrl).port), '127.0.0.1');
      socket.on('connect', () => resolve('connected'));
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    expect(refused).toBe('ECONNREFUSED');
    await closing;
  });

  it('when a request is in progress at close() (called twice), then it still completes against the open database', async () => {
    const t = await start();
    const body = JSON.stringify({ oidEndpoint: 'https://idp.example.com', oidClientId: 'jellyfin' });
    const url = new URL(`${t.baseUrl}/sso/OID/Add/late`);
    // Waiting for the server to have the request (not a fixed delay): on Node 24 tsx transpiles lazily
    // imported modules on the main thread, which can hold the event loop past a short timer.
    const arrived = once(t.server, 'request');
    let sendTheRest = (): void => undefined;
    const answered = new Promise<number>((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: `MediaBrowser Token="${BOOTSTRAP_KEY}"`,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      // Half the body now: the request has arrived when close() starts; the rest after.
      req.write(body.slice(0, 10));
      sendTheRest = () => req.end(body.slice(10));
    });
    await arrived;
    // A second call (a signal while the first close runs) must not skip ahead to the database.
    const closing = Promise.all([t.app.close(), t.app.close()]);
    setTimeout(sendTheRest, 200);

    expect(await answered).toBe(200);
    await closing;
    expect(closedSteps(t)).toEqual(STEPS);

    const again = await start(t.dataDir);
    const { data } = await getOidcProviderNames({ client: again.anonymous });
    expect(data).toContain('late');
    await again.stop();
  });
});
