// SSO_BOOTSTRAP_API_KEY across restarts, as an admin lives it: the start-up log says in one line whether the
// bootstrap key was created, kept or replaced (never the key), and a new value makes the old one stop working.
import { afterEach, expect, it } from 'vitest';
import { getOidcProviders } from '../../clients/typescript/index.js';
import { startTestApp, type TestApp } from '../support/app.js';

const FIRST = 'first-bootstrap-0123456789abcdef';
const SECOND = 'second-bootstrap-0123456789abcdef';
let running: TestApp | null = null;

afterEach(async () => {
  await running?.close();
  running = null;
});

function bootstrapLine(t: TestApp): { msg: string; outcome: string } {
  const line = t
    .logs()
    .split('\n')
    .filter((l) => l.includes('"outcome"') && l.includes('bootstrap API key'))
    .at(-1);
  if (line === undefined) throw new Error(`no bootstrap line in:\n${t.logs()}`);
  return JSON.parse(line) as { msg: string; outcome: string };
}

async function status(t: TestApp, key: string): Promise<number> {
  return (await getOidcProviders({ client: t.clientWith(key) })).response.status;
}

it('when the service restarts with the same key and then with a new one, then the log says created, kept, replaced and only the newest key works', async () => {
  const first = await startTestApp({ SSO_BOOTSTRAP_API_KEY: FIRST });
  expect(bootstrapLine(first)).toMatchObject({ outcome: 'created' });
  await first.stop();

  const again = await startTestApp({ SSO_BOOTSTRAP_API_KEY: FIRST }, { dataDir: first.dataDir });
  expect(bootstrapLine(again)).toMatchObject({
    outcome: 'kept',
    msg: 'bootstrap API key kept: SSO_BOOTSTRAP_API_KEY is unchanged',
  });
  await again.stop();

  running = await startTestApp({ SSO_BOOTSTRAP_API_KEY: SECOND }, { dataDir: first.dataDir });
  expect(bootstrapLine(running)).toMatchObject({
    outcome: 'replaced',
    msg: 'bootstrap API key replaced: the previous one (1 key) no longer works',
  });
  expect(await status(running, SECOND)).toBe(200);
  expect(await status(running, FIRST)).toBe(401);
  expect(running.logs()).not.toContain(FIRST);
  expect(running.logs()).not.toContain(SECOND);
});
