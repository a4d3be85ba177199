// Baseline for the full login: the same browser sequence against a relying party made of openid-client
// alone (no service, no database): GET /start → 302 to the IdP (PKCE S256, state, nonce, kept in a Map);
// GET /cb → authorization code grant (client_secret_basic, ID token signature checked as the service does)
// and userinfo → 200 JSON. BENCH_RP (JSON): { issuer, clientId, clientSecret, scope }.
//   node --import tsx bench/servers/rp.ts --port <n>
import { createServer } from 'node:http';

import * as client from 'openid-client';

import { arg, exitWithParent, fail, ready } from './child.js';

interface Pending {
  verifier: string;
  nonce: string;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.env['BENCH_RP'] ?? '') as {
    issuer: string;
    clientId: string;
    clientSecret: string;
    scope: string;
  };
  const port = Number(arg('port'));
  const redirectUri = `http://127.0.0.1:${port}/cb`;
  const config = await client.discovery(
    new URL(input.issuer),
    input.clientId,
    undefined,
    client.ClientSecretBasic(input.clientSecret),
    { execute: [client.allowInsecureRequests] },
  );
  client.enableNonRepudiationChecks(config);
  const pending = new Map<string, Pending>();

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', redirectUri);
    void (async () => {
      try {
        if (url.pathname === '/start') {
          const verifier = client.randomPKCECodeVerifier();
          const state = client.randomState();
          const nonce = client.randomNonce();
          pending.set(state, { verifier, nonce });
          const location = client.buildAuthorizationUrl(config, {
            redirect_uri: redirectUri,
            scope: input.scope,
            state,
            nonce,
            code_challenge: await client.calculatePKCECodeChallenge(verifier),
            code_challenge_method: 'S256',
          });
          res.writeHead(302, { location: location.href });
          res.end();
          return;
        }
        if (url.pathname === '/cb') {
          const state = url.searchParams.get('state') ?? '';
          const flow = pending.get(state);
          pending.delete(state);
          if (flow === undefined) throw new Error('unknown state');
          const tokens = await client.authorizationCodeGrant(config, url, {
            pkceCodeVerifier: flow.verifier,
            expectedState: state,
            expectedNonce: flow.nonce,
            idTokenExpected: true,
          });
          const sub = tokens.claims()?.sub ?? '';
          const userinfo = await client.fetchUserInfo(config, tokens.access_token, sub);
          const body = JSON.stringify({ sub, name: userinfo.preferred_username });
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(body);
          return;
        }
        res.writeHead(404);
        res.end();
      } catch (error) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(error instanceof Error ? error.message : String(error));
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  exitWithParent(() => {
    server.closeAllConnections();
    server.close();
  });
  ready({ port, pid: process.pid });
}

main().catch(fail);
