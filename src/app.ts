// The composition root: the only file that knows every concrete adapter. It opens the database, builds the
// stores, the media-server adapter, the protocols and the use cases, and hands them to the HTTP edge.
import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import type { Config } from './config.js';
import { createHttpApp, type HttpApp } from './http/api.js';
import { createHandlers } from './http/handlers/index.js';
import type { Logger } from './logger.js';
import { createEmbeddedDirectory } from './media-server/embedded/directory.js';
import { createOidcProtocol } from './protocols/oidc.js';
import { createSamlProtocol } from './protocols/saml.js';
import { createLinkAdmin } from './sso/links.js';
import { createLogin } from './sso/login.js';
import { createProviderAdmin } from './sso/provider-admin.js';
import type { Clock, MediaServer } from './sso/ports.js';
import { createUserAdmin } from './sso/user-admin.js';
import { createFlowStore } from './storage/flow-store.js';
import { createLinkStore } from './storage/link-store.js';
import { createReplayCache } from './storage/replay-cache.js';
import { openDatabase, type Database } from './storage/orm.js';
import { createProviderStore } from './storage/provider-store.js';

export const SPEC_PATH = fileURLToPath(new URL('../openapi.yaml', import.meta.url));

export interface AppOptions {
  config: Config;
  log: Logger;
  clock?: Clock;
  /** Validate every JSON reply against the spec (tests). */
  validateResponses?: boolean;
}

export interface App {
  http: HttpApp;
  database: Database;
  mediaServer: MediaServer;
  /** Starts listening; resolves with the bound port. */
  listen(port?: number, host?: string): Promise<{ server: Server; port: number }>;
  close(): Promise<void>;
}

export const systemClock: Clock = { now: () => new Date() };

export async function createApp({
  config,
  log,
  clock = systemClock,
  validateResponses = false,
}: AppOptions): Promise<App> {
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    secretKey: config.secretKey ?? undefined,
    logger: log,
  });
  const closers: (() => Promise<void>)[] = [() => database.close()];
  try {
    const { orm, box } = database;
    const providers = createProviderStore({ orm, box, clock });
    const flows = createFlowStore({ orm, box, clock });
    const directory = createEmbeddedDirectory({ orm, clock });
    if (config.bootstrapApiKey !== null) {
      await directory.ensureApiKey(config.bootstrapApiKey, 'bootstrap');
    }
    const mediaServer: MediaServer = directory;
    const links = createLinkStore({ orm, box, clock });
    const oidc = createOidcProtocol({ logger: log });
    const saml = createSamlProtocol({ logger: log, clockSkewSeconds: config.samlClockSkewSeconds });
    const login = createLogin({
      providers,
      flows,
      links,
      replay: createReplayCache({ orm }),
      mediaServer,
      oidc,
      saml,
      clock,
      publicUrl: config.publicUrl,
      flowTtlSeconds: config.flowTtlSeconds,
      warn: (fields, message) => log.warn(fields, message),
    });

    const handlers = createHandlers({
      providerAdmin: createProviderAdmin({ providers }),
      userAdmin: createUserAdmin({ mediaServer }),
      flows,
      mediaServer,
      clock,
      login,
      providers,
      saml,
      linkAdmin: createLinkAdmin({ providers, links, mediaServer, login }),
      publicUrl: config.publicUrl,
    });
    const http = await createHttpApp({
      specPath: SPEC_PATH,
      log,
      mediaServer,
      handlers,
      bodyLimitBytes: config.bodyLimitBytes,
      rateLimitPerMinute: config.rateLimitPerMinute,
      trustProxy: config.trustProxy,
      validateResponses,
    });

    let server: Server | undefined;
    return {
      http,
      database,
      mediaServer,
      listen: (port = config.port, host = config.host) =>
        new Promise((resolve, reject) => {
          const listening = http.app.listen(port, host, (error?: Error) => {
            if (error !== undefined) {
              reject(error);
              return;
            }
            const address = listening.address();
            resolve({
              server: listening,
              port: typeof address === 'object' && address !== null ? address.port : port,
            });
          });
          server = listening;
        }),
      close: async () => {
        if (server !== undefined) {
          const closing = server;
          await new Promise<void>((resolve) => closing.close(() => resolve()));
          closing.closeAllConnections();
        }
        for (const close of closers.reverse()) await close();
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close();
    throw error;
  }
}
