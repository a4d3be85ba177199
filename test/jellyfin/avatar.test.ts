// fetchAvatar (src/media-server/shared/avatar.ts): the address rules (v4, v6, IPv4-mapped), and real
// fetches from small local servers — success, loopback/private refusals, redirects (to loopback, too many),
// content-type and magic-byte checks, size limits (declared and streamed), timeouts. Every failure is null.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  fetchAvatar,
  isPublicAddress,
  type FetchAvatarOptions,
} from '../../src/media-server/shared/avatar.js';

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(200, 7),
]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(100, 1)]);

interface Local {
  url: string;
  port: number;
  hits: string[];
}

const servers: Server[] = [];

async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<Local> {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(request.url ?? '');
    handler(request, response);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port, hits };
}

function image(body: Buffer, type = 'image/png') {
  return (_request: IncomingMessage, response: ServerResponse): void => {
    response.writeHead(200, { 'content-type': type, 'content-length': body.length });
    response.end(body);
  };
}

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

const allow: FetchAvatarOptions = { allowPrivateHosts: true };
const deny: FetchAvatarOptions = { allowPrivateHosts: false };

describe('which addresses count as public', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    '[::1]',
    'fe80::1',
    'fe80::1%eth0',
    'fd12:3456::1',
    'fc00::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '64:ff9b::a00:1',
    '2002:a00:1::1',
    'not an address',
  ])('when the address is %s, then it is not public', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([
    '8.8.8.8',
    '93.184.216.34',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ])('when the address is %s, then it is public', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe('fetchAvatar', () => {
  it('when private hosts are allowed and the server sends a PNG, then the bytes and type come back', async () => {
    const local = await serve(image(PNG));
    expect(await fetchAvatar(`${local.url}/a.png`, allow)).toEqual({
      contentType: 'image/png',
      bytes: new Uint8Array(PNG),
    });
  });

  it('when the host is loopback and private hosts are not allowed, then null and no request is made', async () => {
    const local = await serve(image(PNG));
    expect(await fetchAvatar(`${local.url}/a.png`, deny)).toBeNull();
    expect(await fetchAvatar(`http://localhost:${local.port}/a.png`, deny)).toBeNull();
    expect(await fetchAvatar(`http://[::ffff:127.0.0.1]:${local.port}/a.png`, deny)).toBeNull();
    expect(local.hits).toEqual([]);
  });

  it('when a name resolves to a private IP or the URL is a private IP, then null without connecting', async () => {
    const lookups: string[] = [];
    const lookup = async (hostname: string) => {
      lookups.push(hostname);
      return [
        { address: '93.184.216.34', family: 4 as const },
        { address: '10.0.0.5', family: 4 as const },
      ];
    };
    expect(await fetchAvatar('https://avatars.example/me.png', { ...deny, lookup })).toBeNull();
    expect(lookups).toEqual(['avatars.example']);
    const started = Date.now();
    expect(await fetchAvatar('http://10.255.255.1/me.png', deny)).toBeNull();
    expect(await fetchAvatar('http://169.254.169.254/latest/meta-data', deny)).toBeNull();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('when a name resolves to an allowed address, then the connection goes to that checked address', async () => {
    const local = await serve(image(PNG));
    const lookup = async () => [{ address: '127.0.0.1', family: 4 as const }];
    // "avatar.invalid" has no real DNS entry: success proves the socket used the address we checked.
    const result = await fetchAvatar(`http://avatar.invalid:${local.port}/a.png`, { ...allow, lookup });
    expect(result?.contentType).toBe('image/png');
  });

  it('when the content type is not an image, then null', async () => {
    const local = await serve(image(Buffer.from('<html></html>'), 'text/html'));
    expect(await fetchAvatar(`${local.url}/`, allow)).toBeNull();
    const svg = await serve(image(Buffer.from('<svg/>'), 'image/svg+xml'));
    expect(await fetchAvatar(`${svg.url}/`, allow)).toBeNull();
  });

  it('when an image type carries something else, then null; when it is another allowed image, the bytes decide', async () => {
    const html = await serve(image(Buffer.from('<html>not an image</html>'), 'image/png'));
    expect(await fetchAvatar(`${html.url}/`, allow)).toBeNull();
    const mislabelled = await serve(image(JPEG, 'image/png; charset=binary'));
    expect((await fetchAvatar(`${mislabelled.url}/`, allow))?.contentType).toBe('image/jpeg');
  });

  it('when the image is too large, declared or streamed, then null', async () => {
    const declared = await serve(image(Buffer.concat([PNG, Buffer.alloc(2000)])));
    expect(await fetchAvatar(`${declared.url}/`, { ...allow, maxBytes: 1000 })).toBeNull();
    const streamed = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'image/png' }); // chunked, no Content-Length
      response.write(PNG);
      const timer = setInterval(() => response.write(Buffer.alloc(512)), 5);
      response.on('close', () => clearInterval(timer));
    });
    expect(await fetchAvatar(`${streamed.url}/`, { ...allow, maxBytes: 4096 })).toBeNull();
    const defaults = await serve(image(Buffer.concat([PNG, Buffer.alloc(2 * 1024 * 1024)])));
    expect(await fetchAvatar(`${defaults.url}/`, allow)).toBeNull();
  });

  it('when a public host redirects to loopback, then null and the loopback server is never called', async () => {
    const loopback = await serve(image(PNG));
    const redirector = await serve((_request, response) => {
      response.writeHead(302, { location: `http://127.0.0.1:${loopback.port}/secret.png` });
      response.end();
    });
    // "cdn.example" is public as far as the rules know; the injected fetch delivers it to the local redirector.
    const lookup = async () => [{ address: '93.184.216.34', family: 4 as const }];
    const routed: FetchAvatarOptions['fetch'] = (input, init) => {
      const url = new URL(String(input));
      if (url.hostname === 'cdn.example') return fetch(`${redirector.url}${url.pathname}`, init);
      return fetch(input, init);
    };
    expect(await fetchAvatar('https://cdn.example/me.png', { ...deny, lookup, fetch: routed })).toBeNull();
    expect(redirector.hits).toEqual(['/me.png']);
    expect(loopback.hits).toEqual([]);
  });

  it('when redirects stay allowed, then up to 3 are followed and a 4th is refused', async () => {
    const target = await serve(image(PNG));
    const chain = async (to: string) =>
      serve((_request, response) => {
        response.writeHead(301, { location: to });
        response.end();
      });
    const third = await chain(`${target.url}/final.png`);
    const second = await chain(`${third.url}/`);
    const first = await chain(`${second.url}/`);
    expect((await fetchAvatar(`${first.url}/`, allow))?.contentType).toBe('image/png');
    const zeroth = await chain(`${first.url}/`);
    expect(await fetchAvatar(`${zeroth.url}/`, allow)).toBeNull();
  });

  it('when the server does not answer in time, then null after the timeout', async () => {
    const silent = await serve(() => undefined);
    const started = Date.now();
    expect(await fetchAvatar(`${silent.url}/`, { ...allow, timeoutMs: 300 })).toBeNull();
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('when the URL is not http(s), malformed, has credentials or the server fails, then null', async () => {
    const failing = await serve((_request, response) => {
      response.writeHead(500);
      response.end();
    });
    for (const url of [
      'file:///etc/passwd',
      'data:image/png;base64,iVBORw0KGgo=',
      'ftp://example.com/a.png',
      'not a url',
    ]) {
      expect(await fetchAvatar(url, allow)).toBeNull();
    }
    expect(await fetchAvatar(`http://user:pw@127.0.0.1:${failing.port}/`, allow)).toBeNull();
    expect(await fetchAvatar(`${failing.url}/`, allow)).toBeNull();
    expect(await fetchAvatar('http://127.0.0.1:9/a.png', allow)).toBeNull(); // nothing listens
  });
});
