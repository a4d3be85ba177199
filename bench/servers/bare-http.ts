// Baseline: bare node:http, no framework. Serves the GetNames bytes the service answered (same body, same
// content type) on any GET path except /start…, which answers the 302 (same Location length, same
// Set-Cookie) the service's start answered. The parent passes both in BENCH_BARE (JSON).
//   node --import tsx bench/servers/bare-http.ts --port <n>
import { createServer } from 'node:http';

import { arg, exitWithParent, fail, ready } from './child.js';

interface BareReplies {
  names: { contentType: string; body: string };
  redirect: { location: string; setCookie: string };
}

async function main(): Promise<void> {
  const replies = JSON.parse(process.env['BENCH_BARE'] ?? '') as BareReplies;
  const body = Buffer.from(replies.names.body, 'utf8');
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/start') === true) {
      res.writeHead(302, { location: replies.redirect.location, 'set-cookie': replies.redirect.setCookie });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': replies.names.contentType, 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(arg('port', '0')), '127.0.0.1', resolve);
  });
  exitWithParent(() => {
    server.closeAllConnections();
    server.close();
  });
  const address = server.address();
  ready({ port: typeof address === 'object' && address !== null ? address.port : 0, pid: process.pid });
}

main().catch(fail);
