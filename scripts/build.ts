// Builds what `npm start` serves: the compiled server (build-server.ts) and the admin console
// (build-console.ts), each only when its sources are newer than its build; `--force` builds both.
import { buildConsole } from './build-console.js';
import { buildServer } from './build-server.js';

const force = process.argv.includes('--force');
if (await buildServer({ force })) console.log('server compiled into dist/server/');
if (await buildConsole({ force })) console.log('admin console built into dist/console/');
