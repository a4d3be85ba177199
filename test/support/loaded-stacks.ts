// Starts the service in this process and prints which optional packages it has loaded, as JSON; a fresh
// process per question, since a module once loaded stays loaded (test/unit/lazy-loading.test.ts).
// Arguments: <data folder> [a path to GET first].
import { createRequire } from 'node:module';
import { startTestApp } from './app.js';

const [dataDir, path] = process.argv.slice(2);
const t = await startTestApp({}, { dataDir });
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
  }),
);
await t.stop();
