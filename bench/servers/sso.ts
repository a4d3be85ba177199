// The service under test, alone in its process: configuration from the environment the parent sets
// (SSO_DATABASE_URL, SSO_DATA_DIR, SSO_BOOTSTRAP_API_KEY, SSO_RATE_LIMIT=0, …), logs at LOG_LEVEL into
// --log (a file, as a deployment would write them; not stdout, which carries the READY line).
// Commands on stdin (one per line), for bench/profile.ts only:
//   profile:start / profile:stop  start and stop the V8 CPU profiler (so start-up is not in the profile); the
//                                 profile goes to $BENCH_PROFILE_OUT, then `PROFILING` / `PROFILED` is printed
//   queries                       prints `QUERIES {json}`: the SQL statements run since the last `queries`,
//                                 by kind (select, insert, update, delete, other), counted from knex's events;
//                                 with BENCH_SQL_LOG=<file> each statement's text is appended there too
//   node --import tsx bench/servers/sso.ts --port <n> --log <file>
import { appendFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

import { pino } from 'pino';

import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { arg, exitWithParent, fail, ready } from './child.js';

async function main(): Promise<void> {
  const port = Number(arg('port'));
  const config = loadConfig({ ...process.env, PORT: String(port), HOST: '127.0.0.1' });
  const destination = pino.destination({ dest: arg('log'), sync: false, mkdir: true });
  const log = createLogger(config.logLevel, destination);
  const app = await createApp({ config, log });
  exitWithParent(async () => {
    await app.close();
    destination.flushSync();
  });
  listenForCommands(app);
  const listening = await app.listen(port, '127.0.0.1');
  ready({ port: listening.port, pid: process.pid, dialect: app.database.dialect });
}

function listenForCommands(app: App): void {
  let session: Session | null = null;
  const post = (method: string, params?: Record<string, unknown>): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (session === null) {
        session = new Session();
        session.connect();
      }
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result)));
    });
  let queries: Record<string, number> = {};
  const sqlLog = process.env['BENCH_SQL_LOG'];
  app.database.orm.em
    .getConnection()
    .getKnex()
    .on('query', (query: { sql?: string }) => {
      const kind =
        /^\s*(select|insert|update|delete)\b/i.exec(query.sql ?? '')?.[1]?.toLowerCase() ?? 'other';
      queries[kind] = (queries[kind] ?? 0) + 1;
      if (sqlLog !== undefined) appendFileSync(sqlLog, `${(query.sql ?? '').replace(/\s+/g, ' ')}\n`);
    });

  const run = (command: string): void => {
    if (command === 'profile:start') {
      void post('Profiler.enable')
        .then(() => post('Profiler.setSamplingInterval', { interval: 200 }))
        .then(() => post('Profiler.start'))
        .then(() => process.stdout.write('PROFILING\n'), fail);
    } else if (command === 'profile:stop') {
      void post('Profiler.stop').then((result) => {
        writeFileSync(
          process.env['BENCH_PROFILE_OUT'] ?? 'service.cpuprofile',
          JSON.stringify((result as { profile: unknown }).profile),
        );
        process.stdout.write('PROFILED\n');
      }, fail);
    } else if (command === 'queries') {
      process.stdout.write(`QUERIES ${JSON.stringify(queries)}\n`);
      queries = {};
    }
  };
  let pending = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      run(pending.slice(0, newline).trim());
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
  });
}

main().catch(fail);
