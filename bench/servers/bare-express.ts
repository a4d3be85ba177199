// Baseline: bare express 5 routes answering the bytes the service answered (BENCH_BARE, JSON): GetNames'
// body and content type, and start's 302 (same Location, same flow Set-Cookie) on /start.
//   node --import tsx bench/servers/bare-express.ts --port <n>
import express from 'express';

import { arg, exitWithParent, fail, ready } from './child.js';

async function main(): Promise<void> {
  const replies = JSON.parse(process.env['BENCH_BARE'] ?? '') as {
    names: { contentType: string; body: string };
    redirect: { location: string; setCookie: string };
  };
  const body = Buffer.from(replies.names.body, 'utf8');
  const app = express();
  app.get('/sso/OID/GetNames', (_req, res) => {
    res.type(replies.names.contentType).send(body);
  });
  // No body, as the service's 302 (res.redirect would add one).
  app.get('/start', (_req, res) => {
    res.status(302).set({ location: replies.redirect.location, 'set-cookie': replies.redirect.setCookie });
    res.end();
  });
  const server = await new Promise<ReturnType<typeof app.listen>>((resolve, reject) => {
    const listening = app.listen(Number(arg('port', '0')), '127.0.0.1', (error?: Error) =>
      error === undefined ? resolve(listening) : reject(error),
    );
  });
  exitWithParent(() => {
    server.closeAllConnections();
    server.close();
  });
  const address = server.address();
  ready({ port: typeof address === 'object' && address !== null ? address.port : 0, pid: process.pid });
}

main().catch(fail);
