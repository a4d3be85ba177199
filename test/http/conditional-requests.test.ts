// A conditional GET (If-None-Match) gets 304 only where the contract declares it (GetNames and States, with
// their strong ETags); every other response is a 200 with its body and no validator, whatever the client
// sends. Sent through node:http, as curl or a script would: fetch adds `Cache-Control: no-cache` to a
// conditional request, which would hide a 304.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOTSTRAP_KEY, startTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

interface Answer {
  status: number;
  etag: string | undefined;
  body: string;
}

function get(path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${t.baseUrl}${path}`, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, etag: res.headers.etag, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const ADMIN = { authorization: `MediaBrowser Token="${BOOTSTRAP_KEY}"` };

describe('conditional requests', () => {
  it('when an API read, a page or the login script is asked for with If-None-Match, then 200 with its body and no ETag', async () => {
    for (const [path, headers] of [
      ['/sso/OID/Get', ADMIN],
      ['/sso/SAML/Get', ADMIN],
      ['/sso/', {}],
    ] as const) {
      const plain = await get(path, headers);
      expect(plain.status, path).toBe(200);
      expect(plain.etag, path).toBeUndefined();
      for (const tag of ['*', '"anything"', 'W/"2-l9Fw4VUO7kr8CvBlt4zaMCqXZ0w"']) {
        const conditional = await get(path, { ...headers, 'if-none-match': tag });
        expect(conditional.status, `${path} with ${tag}`).toBe(200);
        expect(conditional.body, `${path} with ${tag}`).toBe(plain.body);
      }
    }
  });

  it('when GetNames is asked for with its current tag, then 304 as its contract says', async () => {
    const first = await get('/sso/OID/GetNames', {});
    expect(first.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await get('/sso/OID/GetNames', { 'if-none-match': first.etag ?? '' });
    expect(again.status).toBe(304);
  });
});
