// Starts the whole service for a test: a real SQLite file in a temp folder (or PostgreSQL), port 0 on
// 127.0.0.1, replies validated against the spec, logs captured in memory so tests can read them.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createSsoClient, type Client } from '../../clients/typescript/index.js';

export const BOOTSTRAP_KEY = 'test-bootstrap-key-0123456789abcdef';

export interface TestApp {
  app: App;
  /** The listening HTTP server (a test can watch requests arrive). */
  server: Server;
  baseUrl: string;
  config: Config;
  /** A client holding the bootstrap API key. */
  admin: Client;
  /** A client with no credential. */
  anonymous: Client;
  clientWith(token: string): Client;
  /** Every log line written so far, as raw JSON text. */
  logs(): string;
  dataDir: string;
  /** Stops the app; the data folder stays so a test can start again on it. */
  stop(): Promise<void>;
  /** Stops and removes the data folder. */
  close(): Promise<void>;
}

/** A clock tests can move forward (flow expiry, SAML validity windows). */
export class TestClock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export async function startTestApp(
  env: Record<string, string> = {},
  options: { dataDir?: string; clock?: TestClock; port?: number; consoleDir?: string } = {},
): Promise<TestApp> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'sso-test-'));
  const config = loadConfig({
    PORT: '0',
    SSO_DATABASE_URL: `sqlite:${join(dataDir, 'sso.sqlite')}`,
    SSO_DATA_DIR: dataDir,
    SSO_BOOTSTRAP_API_KEY: BOOTSTRAP_KEY,
    LOG_LEVEL: 'debug',
    ...env,
  });
  let logText = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logText += chunk.toString('utf8');
      callback();
    },
  });
  let app: App;
  try {
    app = await createApp({
      config,
      log: createLogger(config.logLevel, sink),
      validateResponses: true,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.consoleDir === undefined ? {} : { consoleDir: options.consoleDir }),
    });
  } catch (error) {
    // A start that fails (a test of a refused start) leaves no temporary folder behind.
    if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const { server, port } = await app.listen(options.port ?? 0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = () => app.close();
  return {
    app,
    server,
    baseUrl,
    config: { ...config, port, publicUrl: env['SSO_PUBLIC_URL'] ?? config.publicUrl },
    admin: createSsoClient({ baseUrl, token: BOOTSTRAP_KEY }),
    anonymous: createSsoClient({ baseUrl }),
    clientWith: (token) => createSsoClient({ baseUrl, token }),
    logs: () => logText,
    dataDir,
    stop,
    close: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
