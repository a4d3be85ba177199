// Starts the service in this process and prints which optional packages it has loaded, as JSON; a fresh
// process per question, since a module once loaded stays loaded (test/unit/lazy-loading.test.ts).
// Arguments: [--metrics] <data folder> [a path to GET first]; --metrics starts it with SSO_METRICS_PORT set.
import { createRequire } from 'node:module';
import { startTestApp } from './app.js';

const args = process.argv.slice(2);
const withMetrics = args[0] === '--metrics';
const [dataDir, path] = withMetrics ? args.slice(1) : args;
const t = await startTestApp(withMetrics ? { SSO_METRICS_PORT: '0' } : {}, { dataDir });
if (path !== undefined) await fetch(t.baseUrl + path);
const files = Object.keys(createRequire(import.meta.url).cache);
// MikroORM reads the package.json of every @mikro-orm package installed (a version check): code only counts.
const loaded = (name: string): boolean =>
  files.some((file) => file.includes(`/node_modules/${name}/`) && !file.endsWith('package.json'));
process.stdout.write(
  JSON.stringify({
    xmlCrypto: loaded('xml-crypto'),
    xmldom: loaded('@xmldom/xmldom'),
    migrations: loaded('@mikro-orm/migrations'),
    postgresql: loaded('@mikro-orm/postgresql') || loaded('pg'),
    promClient: loaded('prom-client'),
  }),
);
await t.stop();
