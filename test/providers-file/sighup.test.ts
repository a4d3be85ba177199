// The compiled service (dist/server/main.js) as a process: SIGHUP applies SSO_PROVIDERS_FILE again, a
// broken file on SIGHUP is logged and leaves the running providers as they were (and the process running),
// and a broken file at start is a refusal: one line per problem on stderr and exit status 2.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSsoClient, getOidcProviders } from '../../clients/typescript/index.js';
import { buildServer, SERVER_ENTRY } from '../../scripts/build-server.js';
import { fileWorld, type FileWorld } from './world.js';

const KEY = 'providers-file-sighup-key-0123456789';

interface Service {
  child: ChildProcess;
  /** stdout lines so far (JSON log). */
  lines: string[];
  stderr(): string;
  exited: Promise<number | null>;
  /** Resolves with the first line from now on that contains `text`. */
  nextLine(text: string): Promise<string>;
}

function launch(world: FileWorld): Service {
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env['PATH'] ?? '',
      SSO_DATA_DIR: world.dir,
      SSO_DATABASE_URL: `sqlite:${join(world.dir, 'sso.sqlite')}`,
      SSO_BOOTSTRAP_API_KEY: KEY,
      SSO_PROVIDERS_FILE: world.file,
      HOST: '127.0.0.1',
      PORT: '0',
    },
  });
  const lines: string[] = [];
  const waiting: { text: string; resolve: (line: string) => void }[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const waiter of waiting.filter((w) => line.includes(w.text))) {
      waiting.splice(waiting.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  return {
    child,
    lines,
    stderr: () => stderr,
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    nextLine: (text) => new Promise((resolve) => waiting.push({ text, resolve })),
  };
}

const provider = (name: string) =>
  `  ${name}:\n    oidEndpoint: https://${name}.example.com\n    oidClientId: jellyfin\n`;

beforeAll(async () => {
  await buildServer(); // only when src/ is newer than dist/server/, as prestart does
});

describe('SIGHUP', () => {
  let world: FileWorld;
  let service: Service;
  let baseUrl: string;
  const names = async () => {
    const reply = await getOidcProviders({ client: createSsoClient({ baseUrl, token: KEY }) });
    return Object.keys(reply.data ?? {});
  };
  beforeAll(async () => {
    world = fileWorld();
    world.write(`oidc:\n${provider('first')}`);
    service = launch(world);
    const listening = await service.nextLine('jellyfin-sso listening on');
    baseUrl = `http://127.0.0.1:${String((JSON.parse(listening) as { port: number }).port)}`;
  });
  afterAll(async () => {
    service.child.kill('SIGTERM');
    await service.exited;
    world.remove();
  });

  it('when the file changes and the process gets SIGHUP, then the file is applied again', async () => {
    expect(await names()).toEqual(['first']);
    world.write(`oidc:\n${provider('first')}${provider('second')}`);
    const applied = service.nextLine('providers file applied');
    service.child.kill('SIGHUP');
    expect(JSON.parse(await applied)).toMatchObject({ created: ['oidc/second'], unchanged: ['oidc/first'] });
    expect(await names()).toEqual(['first', 'second']);
  });

  it('when the file is broken and the process gets SIGHUP, then the problems are logged and the providers stay', async () => {
    world.write(`prune: true\noidc:\n  first:\n    oidEndpoint: https://first.example.com\n`);
    const refused = service.nextLine('providers file not applied');
    service.child.kill('SIGHUP');
    await refused;
    expect(service.lines.join('\n')).toContain('oidc provider \\"first\\": oidClientId: is required');
    expect(await names()).toEqual(['first', 'second']);
    expect(service.child.exitCode).toBeNull(); // still running
  });
});

describe('a broken file at start', () => {
  it('when the service starts on it, then it exits with status 2 and one stderr line per problem', async () => {
    const world = fileWorld();
    world.write(`oidc:\n  a:\n    oidClientId: x\n  b:\n    oidEndpoint: ftp://b\n    oidClientId: x\n`);
    const service = launch(world);
    expect(await service.exited).toBe(2);
    expect(service.stderr().trim().split('\n')).toEqual([
      `SSO_PROVIDERS_FILE ${world.file}: oidc provider "a": oidEndpoint: is required`,
      `SSO_PROVIDERS_FILE ${world.file}: oidc provider "b": oidEndpoint: must be an http(s) URL, not ftp`,
    ]);
    world.remove();
  });
});
