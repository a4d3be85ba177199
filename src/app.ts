// The composition root: the only file that knows every concrete adapter. It opens the database, builds the
// stores, the media-server adapter, the protocols and the use cases, and hands them to the HTTP edge.
// What a deployment may not use is imported when first needed (each import() is a chunk of the compiled
// server): the embedded directory or the Jellyfin adapter, whichever SSO_MEDIA_SERVER names, and the SAML
// stack (xml-crypto, xmldom, the saml modules) once a SAML provider exists or a SAML endpoint is called,
// and the metrics stack (prom-client, src/metrics/) only when SSO_METRICS_PORT is set.
import type { Server } from 'node:http';
import type { Config } from './config.js';
import { createHttpApp, type HttpApp } from './http/api.js';
import { loadConsoleBundle } from './http/console-bundle.js';
import type { Handlers, RequestState } from './http/handler.js';
import type { MediaServerState, ReadinessProbes } from './http/health.js';
import { createHandlers, type HandlerDeps } from './http/handlers/index.js';
import type { Logger } from './logger.js';
import type { EmbeddedDirectory } from './media-server/embedded/directory.js';
import { fetchAvatar, isPublicAddress } from './media-server/shared/avatar.js';
import { avatarsAfterLogin } from './media-server/shared/avatar-refresh.js';
import { createOidcConnector } from './protocols/oidc-connector.js';
import { createOidcProtocol } from './protocols/oidc.js';
import { createActivityRecorder, startActivityRetention, type ActivityRecorder } from './sso/activity.js';
import { createLanding } from './sso/landing.js';
import { createLinkAdmin } from './sso/links.js';
import { createAppPasswords } from './sso/app-passwords.js';
import { createDevices } from './sso/devices.js';
import { createDeviceSignIn } from './sso/device-signin.js';
import { createLogin, type LoginDeps } from './sso/login.js';
import { createProviderAdmin } from './sso/provider-admin.js';
import { createProviderTester } from './sso/provider-test.js';
import type { SamlMetadataReader } from './sso/saml-metadata-import.js';
import { createSamlLogout, type SamlLogoutProtocol } from './sso/saml-logout.js';
import { createSignInPreviewer } from './sso/sign-in-preview.js';
import type {
  ActivityStore,
  AppPasswordStore,
  Clock,
  Connector,
  Connectors,
  FlowStore,
  LinkStore,
  MediaServer,
  MediaUser,
  PendingLinkStore,
  ProviderStore,
  ReplayCache,
  SsoSessionStore,
  VerifiedIdentity,
} from './sso/ports.js';
import { createLogout } from './sso/logout.js';
import { createUserAdmin } from './sso/user-admin.js';
import { createUserSearch } from './sso/user-search.js';
import { createActivityStore } from './storage/activity-store.js';
import { createAppPasswordStore } from './storage/app-password-store.js';
import { createFlowStore } from './storage/flow-store.js';
import { createLinkStore } from './storage/link-store.js';
import { createPendingLinkStore } from './storage/pending-link-store.js';
import { createReplayCache } from './storage/replay-cache.js';
import { createSsoSessionStore } from './storage/sso-session-store.js';
import { DatabaseUrlError, openDatabase, type Database } from './storage/orm.js';
import { SecretKeyError } from './storage/secret-box.js';
import { CONSOLE_DIR, SPEC_PATH } from './repository-files.js';
import { createProviderStore } from './storage/provider-store.js';
import { exclusiveRunner, PROVIDERS_FILE_LOCK_ID } from './storage/exclusive-run.js';
import {
  createProvidersFile,
  ProvidersFileError,
  reapplyProvidersFile,
  type ProvidersFile,
} from './providers-file/index.js';
import { resolve } from 'node:path';
import { countOpenFlows, countReplayEntries, databaseProbe } from './storage/operations-probes.js';
import type * as MetricsStack from './metrics/index.js';
import type { MetricsListener } from './metrics/index.js';
import { drainServer, trackRequests, type RequestTracker } from './server-drain.js';
import type { Request as JellyfinRequest } from './media-server/jellyfin/request.js';

export { SPEC_PATH, CONSOLE_DIR };

export interface AppOptions {
  config: Config;
  log: Logger;
  clock?: Clock;
  /** Validate every JSON reply against the spec (tests). */
  validateResponses?: boolean;
  /** Where the built admin console is (tests); CONSOLE_DIR by default. */
  consoleDir?: string;
}

export interface App {
  http: HttpApp;
  database: Database;
  mediaServer: MediaServer;
  /** Applies SSO_PROVIDERS_FILE again (SIGHUP); logs its problems and keeps the providers when it has some. */
  reloadProvidersFile(): Promise<void>;
  /** Starts listening (and the metrics listener when SSO_METRICS_PORT is set); resolves with the bound ports. */
  listen(port?: number, host?: string): Promise<{ server: Server; port: number; metricsPort: number | null }>;
  /**
   * Stops accepting connections before it returns (a connection attempted after that is refused), then
   * lets the requests in progress finish and releases the rest in order; idempotent.
   */
  close(): Promise<void>;
}

import { systemClock } from './sso/basics.js';

export { systemClock };

const PURGE_INTERVAL_MS = 5 * 60_000;

/** A database that could not be opened or migrated; the message names SSO_DATABASE_URL. */
class DatabaseOpenError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'DatabaseOpenError';
  }
}

/** The URL as it may be shown: a password in it is replaced by `***`. */
function shownDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.protocol === 'sqlite:' ? url : parsed.toString();
  } catch {
    return '(unparsable)';
  }
}

/** The metrics listener could not bind: its message names SSO_METRICS_HOST and SSO_METRICS_PORT. */
class MetricsListenError extends Error {
  constructor(at: { host: string; port: number }, cause: unknown) {
    const code = cause instanceof Error && 'code' in cause ? String(cause.code) : '';
    const why = LISTEN_ERRORS[code] ?? (cause instanceof Error ? cause.message : String(cause));
    super(`cannot listen for metrics on ${at.host}:${at.port} (SSO_METRICS_HOST, SSO_METRICS_PORT): ${why}`, {
      cause,
    });
    this.name = 'MetricsListenError';
  }
}

/** The socket errors of listen() that a setting causes (HOST, PORT), as opposed to a bug. */
const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'the port is already in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'the address is not one of this machine',
  ENOTFOUND: 'the host name does not resolve',
};

/**
 * A refusal to start that names what to change, as opposed to a crash: the Jellyfin check, the secret
 * key, the database URL or connection, the listening address. Null for anything else.
 */
export function startupRefusal(error: unknown, listenAt?: { host: string; port: number }): string | null {
  // By name: the Jellyfin adapter (and its error class) is imported only in jellyfin mode.
  if (error instanceof Error && error.name === 'JellyfinCheckError')
    return `jellyfin-sso cannot use the Jellyfin server: ${error.message}`;
  if (error instanceof MetricsListenError) return `jellyfin-sso ${error.message}`;
  if (error instanceof SecretKeyError) {
    return `jellyfin-sso cannot use its secret key (SSO_SECRET_KEY, or secret.key in SSO_DATA_DIR): ${error.message}`;
  }
  if (error instanceof DatabaseUrlError || error instanceof DatabaseOpenError) {
    return `jellyfin-sso cannot open its database: ${error.message}`;
  }
  if (error instanceof ProvidersFileError) return error.message; // one line per problem
  const code = error instanceof Error && 'code' in error ? String(error.code) : '';
  if (listenAt !== undefined && LISTEN_ERRORS[code] !== undefined) {
    return `jellyfin-sso cannot listen on ${listenAt.host}:${listenAt.port} (HOST, PORT): ${LISTEN_ERRORS[code]}`;
  }
  return null;
}

async function openConfiguredDatabase(config: Config, log: Logger): Promise<Database> {
  try {
    return await openDatabase({
      url: config.databaseUrl,
      dataDir: config.dataDir,
      secretKey: config.secretKey ?? undefined,
      sqliteSynchronous: config.sqliteSynchronous,
      logger: log,
    });
  } catch (error) {
    if (error instanceof SecretKeyError || error instanceof DatabaseUrlError) throw error;
    const reason = (error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)).replaceAll(
      config.databaseUrl,
      shownDatabaseUrl(config.databaseUrl),
    );
    throw new DatabaseOpenError(
      `SSO_DATABASE_URL ${shownDatabaseUrl(config.databaseUrl)} could not be opened or migrated: ${reason}`,
      { cause: error },
    );
  }
}

/** The media-server adapter, with its readiness check when it has one (Jellyfin; see readinessProbes). */
type OpenedMediaServer = MediaServer & { ready?: () => Promise<MediaServerState> };

/** Readiness: the database and its migrations; Jellyfin and its API key (the embedded directory is the database). */
function readinessProbes(database: Database, mediaServer: OpenedMediaServer): ReadinessProbes {
  return {
    database: databaseProbe(database),
    mediaServer: mediaServer.ready ?? (() => Promise.resolve('up')),
  };
}

/**
 * The media-server adapter chosen by SSO_MEDIA_SERVER. The Jellyfin one checks the server first and
 * refuses to start with an actionable message (JellyfinCheckError) when something is wrong.
 */
async function openMediaServer(
  config: Config,
  log: Logger,
  clock: Clock,
  database: Database,
  instruments: Instruments | undefined,
): Promise<OpenedMediaServer> {
  if (config.mediaServer === 'jellyfin' && config.jellyfinUrl !== null && config.jellyfinApiKey !== null) {
    const { createJellyfinServer } = await import('./media-server/jellyfin/index.js');
    const jellyfin = createJellyfinServer({
      baseUrl: config.jellyfinUrl,
      apiKey: config.jellyfinApiKey,
      clock,
      log: log.child({ component: 'jellyfin' }),
      ...(instruments === undefined
        ? {}
        : {
            wrapRequest:
              (request: JellyfinRequest): JellyfinRequest =>
              (endpoint, readers) =>
                instruments.stack.timeMediaCall(
                  instruments.metrics,
                  `${endpoint.method} ${endpoint.path}`,
                  () => request(endpoint, readers),
                ),
          }),
    });
    const check = await jellyfin.check();
    log.info(
      {
        serverId: check.serverId,
        serverName: check.serverName,
        version: check.version,
        credential: check.credential.kind,
        quickConnectEnabled: check.quickConnectEnabled,
      },
      `using Jellyfin ${check.version} "${check.serverName}" at ${config.jellyfinUrl}`,
    );
    for (const warning of check.warnings) log.warn({ component: 'jellyfin' }, warning);
    return jellyfin;
  }
  const { createEmbeddedDirectory } = await import('./media-server/embedded/directory.js');
  const directory = createEmbeddedDirectory({ orm: database.orm, clock });
  if (config.bootstrapApiKey !== null) await setBootstrapKey(directory, config.bootstrapApiKey, log);
  else if ((await directory.listApiKeys()).length === 0) {
    log.info(
      'no API key yet: create one with `npm run cli -- api-key create admin`, or set SSO_BOOTSTRAP_API_KEY, to administer providers',
    );
  }
  return directory;
}

/** SSO_BOOTSTRAP_API_KEY becomes the one bootstrap key; one readable line says what happened (never the key). */
async function setBootstrapKey(directory: EmbeddedDirectory, value: string, log: Logger): Promise<void> {
  const { info, outcome, revokedKeys } = await directory.setBootstrapKey(value);
  const said = {
    created: 'bootstrap API key created from SSO_BOOTSTRAP_API_KEY',
    kept: 'bootstrap API key kept: SSO_BOOTSTRAP_API_KEY is unchanged',
    replaced: `bootstrap API key replaced: the previous one (${revokedKeys} key${revokedKeys === 1 ? '' : 's'}) no longer works`,
  }[outcome];
  log.info({ keyId: info.id, outcome, revokedKeys }, said);
}

/** The HTTP edge over the handlers, with the settings it reads. */
function httpEdge(
  config: Config,
  log: Logger,
  mediaServer: MediaServer,
  handlers: Handlers,
  validateResponses: boolean,
): Promise<HttpApp> {
  return createHttpApp({
    specPath: SPEC_PATH,
    log,
    mediaServer,
    handlers,
    bodyLimitBytes: config.bodyLimitBytes,
    rateLimitPerMinute: config.rateLimitPerMinute,
    trustProxy: config.trustProxy,
    validateResponses,
    publicUrl: config.publicUrl,
    homeUrl: config.mediaServer === 'jellyfin' ? '/web/index.html' : null,
  });
}

export async function createApp({
  config,
  log,
  clock = systemClock,
  validateResponses = false,
  consoleDir = CONSOLE_DIR,
}: AppOptions): Promise<App> {
  const database = await openConfiguredDatabase(config, log);
  // What close() releases, filled in as start-up proceeds; a failed start releases what it had.
  const held: {
    server?: { server: Server; requests: RequestTracker };
    metricsListener?: MetricsListener;
    purge?: NodeJS.Timeout;
    mediaServer?: MediaServer;
    activity?: { recorder: ActivityRecorder; retention: { stop(): void } };
  } = {};
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= closeInOrder(log, [
      ['HTTP server', () => stopServer(held.server, config.shutdownTimeoutSeconds, log)],
      ['metrics listener', () => held.metricsListener?.close()],
      ['purge timer', () => clearInterval(held.purge)],
      ['activity log', () => stopActivityLog(held.activity)],
      ['media server', () => held.mediaServer?.close?.()],
      ['database', () => database.close()],
    ]));
  try {
    const instruments = await openMetrics(config, database, clock);
    const stores = instrumentStores(
      openStores(database, clock),
      instruments,
      config.activityRetentionDays > 0,
    );
    const mediaServer = await openMediaServer(config, log, clock, database, instruments);
    held.mediaServer = mediaServer;
    held.purge = startPurge(stores, clock, log);
    held.activity = openActivityLog(config, log, clock, stores.activity);
    const saml = lazySamlStack(config, log, stores, clock);
    if ((await stores.providers.list('saml')).length > 0) await saml.load();
    const connectors = createConnectors(config, log, saml);
    const providersFile = openProvidersFile({ config, log, clock, stores, connectors, saml, database });
    await providersFile?.apply();
    const useCases = createUseCases({
      config,
      log,
      clock,
      stores,
      mediaServer,
      connectors,
      samlMetadata: saml.metadataReader,
      samlLogout: saml.logout,
      activityLog: held.activity.recorder,
      orm: database.orm,
    });
    const handlers = timingStepsOf(
      instruments,
      loadingSamlFirst(
        createHandlers(
          { ...useCases, readiness: readinessProbes(database, mediaServer) },
          loadConsoleBundle(consoleDir),
        ),
        saml,
      ),
    );
    const http = await httpEdge(config, log, mediaServer, handlers, validateResponses);
    return {
      http,
      database,
      mediaServer,
      reloadProvidersFile: () =>
        reapplyProvidersFile(providersFile, log.child({ component: 'providers-file' })),
      listen: async (port = config.port, host = config.host) => {
        const bound = await listen(http, port, host, (server) => (held.server = tracked(server)));
        held.metricsListener = await listenMetrics(config, log, instruments);
        return { ...bound, metricsPort: held.metricsListener?.port ?? null };
      },
      close,
    };
  } catch (error) {
    await close().catch(() => undefined); // the start-up error is the one to report
    throw error;
  }
}

/** SSO_PROVIDERS_FILE, applied by this instance while no other one sharing the database applies it. */
function openProvidersFile(parts: {
  config: Config;
  log: Logger;
  clock: Clock;
  stores: Stores;
  connectors: Connectors;
  saml: SamlStack;
  database: Database;
}): ProvidersFile | null {
  const { config, log, saml } = parts;
  if (config.providersFile === null) return null;
  return createProvidersFile({
    path: resolve(config.providersFile),
    providers: parts.stores.providers,
    connectors: parts.connectors,
    clock: parts.clock,
    log: log.child({ component: 'providers-file' }),
    env: process.env,
    specPath: SPEC_PATH,
    exclusive: exclusiveRunner(parts.database, PROVIDERS_FILE_LOCK_ID),
    prepare: (protocols) => (protocols.includes('saml') ? saml.load() : Promise.resolve()),
  });
}

/** The metrics and the functions that wire them in, loaded together (src/metrics/index.ts). */
interface Instruments {
  metrics: MetricsStack.Metrics;
  stack: typeof MetricsStack;
}

/**
 * The metrics when SSO_METRICS_PORT is set, with the two counts they read from the database at scrape
 * time; otherwise undefined, and the metrics stack is not even loaded.
 */
async function openMetrics(
  config: Config,
  database: Database,
  clock: Clock,
): Promise<Instruments | undefined> {
  if (config.metricsPort === null) return undefined;
  const stack = await import('./metrics/index.js');
  const metrics: MetricsStack.Metrics = stack.createMetrics(
    {
      openFlows: () => countOpenFlows(database, clock.now()),
      replayEntries: () => countReplayEntries(database),
    },
    (store) => metrics.databaseErrors.inc({ store }),
  );
  return { metrics, stack };
}

/** The stores counting their database failures, and the activity store counting sign-ins (metrics on). */
function instrumentStores(
  stores: Stores,
  instruments: Instruments | undefined,
  keepActivity: boolean,
): Stores {
  if (instruments === undefined) return stores;
  const { metrics, stack } = instruments;
  const counted = <T extends object>(store: T, name: string): T =>
    stack.countingFailures(store, name, metrics);
  return {
    ...stores,
    providers: counted(stores.providers, 'providers'),
    flows: counted(stores.flows, 'flows'),
    links: counted(stores.links, 'links'),
    replay: counted(stores.replay, 'replay'),
    pendingLinks: counted(stores.pendingLinks, 'pendingLinks'),
    activity: stack.countingActivityStore(
      counted(stores.activity, 'activity'),
      stack.signInCounter(metrics),
      keepActivity,
    ),
  };
}

function timingStepsOf(instruments: Instruments | undefined, handlers: Handlers): Handlers {
  return instruments === undefined ? handlers : instruments.stack.timingSteps(handlers, instruments.metrics);
}

/** The metrics listener, when SSO_METRICS_PORT is set; a port it cannot have refuses the start. */
async function listenMetrics(
  config: Config,
  log: Logger,
  instruments: Instruments | undefined,
): Promise<MetricsListener | undefined> {
  if (instruments === undefined || config.metricsPort === null) return undefined;
  const at = { host: config.metricsHost, port: config.metricsPort };
  try {
    return await instruments.stack.listenForMetrics(instruments.metrics, log, at);
  } catch (error) {
    throw new MetricsListenError(at, error);
  }
}

interface Stores {
  providers: ProviderStore;
  flows: FlowStore;
  links: LinkStore;
  replay: ReplayCache;
  activity: ActivityStore;
  pendingLinks: PendingLinkStore;
  appPasswords: AppPasswordStore;
  ssoSessions: SsoSessionStore;
}

function openStores({ orm, box }: Database, clock: Clock): Stores {
  return {
    providers: createProviderStore({ orm, box, clock }),
    flows: createFlowStore({ orm, box, clock }),
    links: createLinkStore({ orm, box, clock }),
    replay: createReplayCache({ orm }),
    activity: createActivityStore({ orm }),
    pendingLinks: createPendingLinkStore({ orm, box, clock }),
    appPasswords: createAppPasswordStore({ orm }),
    ssoSessions: createSsoSessionStore({ orm, box }),
  };
}

/** Stops the retention timer and waits for the entries still queued, so they reach the database. */
async function stopActivityLog(
  activity: { recorder: ActivityRecorder; retention: { stop(): void } } | undefined,
): Promise<void> {
  activity?.retention.stop();
  await activity?.recorder.flush();
}

/** The sign-in activity log: its recorder (writing after each reply) and its hourly retention purge. */
function openActivityLog(config: Config, log: Logger, clock: Clock, store: ActivityStore) {
  const activityLog = log.child({ component: 'activity' });
  return {
    recorder: createActivityRecorder({ store, clock, log: activityLog }),
    retention: startActivityRetention({
      store,
      clock,
      log: activityLog,
      retentionDays: config.activityRetentionDays,
    }),
  };
}

/**
 * Drops expired flows, replay-cache entries and SSO session records every few minutes (each instance does it; the deletes are
 * idempotent). Expiry itself is enforced on every read, this only bounds the tables.
 */
function startPurge({ flows, replay, ssoSessions }: Stores, clock: Clock, log: Logger): NodeJS.Timeout {
  const purge = setInterval(() => {
    const now = clock.now();
    Promise.all([flows.purgeExpired(now), replay.purgeExpired(now), ssoSessions.purgeExpired(now)]).then(
      ([flowCount, replayCount, sessionCount]) => {
        if (flowCount + replayCount + sessionCount > 0)
          log.debug({ flowCount, replayCount, sessionCount }, 'purged expired records');
      },
      (error: unknown) => log.warn({ err: error }, 'purging expired records failed'),
    );
  }, PURGE_INTERVAL_MS);
  purge.unref();
  return purge;
}

/** One connector per protocol, each wrapping its protocol engine (SAML's loaded when first needed). */
function createConnectors(config: Config, log: Logger, saml: SamlStack): Connectors {
  return {
    oidc: createOidcConnector({ engine: createOidcProtocol({ logger: log }), publicUrl: config.publicUrl }),
    saml: saml.connector,
  };
}

/** What the SAML stack provides, as its modules build it. */
interface SamlParts {
  connector: Connector<'saml'>;
  metadataReader: SamlMetadataReader;
  logout: SamlLogoutProtocol;
}

/** The SAML stack behind stand-ins that import it on first use; `load()` imports it (once) ahead of time. */
interface SamlStack extends SamlParts {
  load(): Promise<void>;
}

async function importSamlStack(
  config: Config,
  log: Logger,
  { replay }: Stores,
  clock: Clock,
): Promise<SamlParts> {
  const [
    { createSamlConnector },
    { createSamlProtocol },
    { createSamlMetadataReader },
    { createSamlLogoutProtocol },
  ] = await Promise.all([
    import('./protocols/saml-connector.js'),
    import('./protocols/saml.js'),
    import('./protocols/saml-idp-metadata.js'),
    import('./protocols/saml-logout.js'),
  ]);
  const logout = createSamlLogoutProtocol({
    publicUrl: config.publicUrl,
    clockSkewSeconds: config.samlClockSkewSeconds,
  });
  return {
    connector: createSamlConnector({
      engine: createSamlProtocol({ logger: log, clockSkewSeconds: config.samlClockSkewSeconds }),
      replay,
      clock,
      publicUrl: config.publicUrl,
      clockSkewSeconds: config.samlClockSkewSeconds,
      logout,
    }),
    metadataReader: createSamlMetadataReader({
      isPublicAddress,
      allowPrivateHosts: config.avatarAllowPrivateHosts,
    }),
    logout,
  };
}

/**
 * The SAML connector and metadata reader as stand-ins: their asynchronous steps import the stack first;
 * the synchronous ones (settings, locate, preview, SP metadata) need it in memory already, which
 * loadingSamlFirst() ensures for every SAML operation (and createApp() at start when a SAML provider exists).
 */
function lazySamlStack(config: Config, log: Logger, stores: Stores, clock: Clock): SamlStack {
  let parts: SamlParts | undefined;
  let loading: Promise<void> | undefined;
  const load = (): Promise<void> =>
    (loading ??= importSamlStack(config, log, stores, clock).then((imported) => {
      parts = imported;
    }));
  const loaded = (): SamlParts => {
    if (parts === undefined) throw new Error('the SAML stack is used before it was loaded');
    return parts;
  };
  const connector = (): Connector<'saml'> => loaded().connector;
  return {
    load,
    connector: {
      protocol: 'saml',
      get answerIsBrowserBound() {
        return connector().answerIsBrowserBound;
      },
      parseSettings: (input, now) => connector().parseSettings(input, now),
      locate: (callback) => connector().locate(callback),
      readIdentity: (provider, asserted) => connector().readIdentity(provider, asserted),
      metadata(provider) {
        const xml = connector().metadata?.(provider);
        if (xml === undefined) throw new Error('the SAML connector publishes no metadata');
        return xml;
      },
      start: (provider, context) => load().then(() => connector().start(provider, context)),
      finish: (provider, callback, flow) => load().then(() => connector().finish(provider, callback, flow)),
      diagnose: (provider, context) => load().then(() => connector().diagnose(provider, context)),
      logoutRedirect: (provider, context) =>
        load().then(() => connector().logoutRedirect?.(provider, context) ?? null),
    },
    metadataReader: { read: (source) => load().then(() => loaded().metadataReader.read(source)) },
    logout: {
      request: (...args) => load().then(() => loaded().logout.request(...args)),
      receive: (...args) => load().then(() => loaded().logout.receive(...args)),
      answer: (...args) => load().then(() => loaded().logout.answer(...args)),
    },
  };
}

/** The handlers, where every SAML operation first awaits the SAML stack (see lazySamlStack). */
function loadingSamlFirst(handlers: Handlers, saml: SamlStack): Handlers {
  const wrapped: Handlers = { ...handlers };
  for (const [operationId, handler] of Object.entries(handlers)) {
    if (!operationId.includes('Saml')) continue;
    Object.assign(wrapped, {
      [operationId]: async (input: never, state: RequestState) => {
        await saml.load();
        return handler(input, state);
      },
    });
  }
  return wrapped;
}

/** The use cases over the stores, the media server and the connectors: what the HTTP handlers call. */
function createUseCases(parts: {
  config: Config;
  log: Logger;
  clock: Clock;
  stores: Stores;
  mediaServer: MediaServer;
  connectors: Connectors;
  samlMetadata: SamlMetadataReader;
  samlLogout: SamlLogoutProtocol;
  activityLog: ActivityRecorder;
  orm: Database['orm'];
}): Omit<HandlerDeps, 'readiness'> {
  const { config, log, clock, stores, mediaServer, connectors } = parts;
  const { providers, flows, links, ssoSessions } = stores;
  const loginDeps: LoginDeps = {
    providers,
    flows,
    links,
    ssoSessions,
    pendingLinks: stores.pendingLinks,
    mediaServer,
    connectors,
    clock,
    flowTtlSeconds: config.flowTtlSeconds,
    maxOpenFlowsPerClient: config.maxOpenFlowsPerClient,
    warn: (fields, message) => log.warn(fields, message),
    info: (fields, message) => log.info(fields, message),
    afterLogin: avatarFromClaims(config, log, mediaServer, parts.orm),
    // A retention of 0 days keeps nothing, so nothing is recorded (unless the metrics count the entries).
    activityLog:
      config.activityRetentionDays > 0 || config.metricsPort !== null ? parts.activityLog : undefined,
  };
  const login = createLogin(loginDeps);
  return {
    deviceSignIn: createDeviceSignIn(loginDeps),
    providerAdmin: createProviderAdmin({ providers, connectors, clock }),
    providerTester: createProviderTester({ providers, connectors, clock }),
    signInPreview: createSignInPreviewer({
      providers,
      connectors,
      links,
      pendingLinks: stores.pendingLinks,
      mediaServer,
    }),
    samlMetadata: parts.samlMetadata,
    userAdmin: createUserAdmin({ mediaServer }),
    flows,
    mediaServer,
    clock,
    login,
    linkAdmin: createLinkAdmin({ providers, links, mediaServer, login }),
    userSearch: createUserSearch({ mediaServer, links }),
    ...accountUseCases(parts),
    publicUrl: config.publicUrl,
    activity: stores.activity,
    landing: createLanding({ providers }),
    samlLogout: createSamlLogout({
      providers,
      protocol: parts.samlLogout,
      replay: stores.replay,
      clock,
      ssoSessions,
      mediaServer,
      warn: (fields, message) => log.warn(fields, message),
      landingUrl: `${config.publicUrl}/sso/`,
    }),
    logout: createLogout({
      ...stores,
      mediaServer,
      connectors,
      clock,
      warn: (fields, message) => log.warn(fields, message),
    }),
  };
}

/** App passwords and devices: the account operations (sso/app-passwords.ts, sso/devices.ts). */
function accountUseCases(parts: {
  config: Config;
  clock: Clock;
  stores: Stores;
  mediaServer: MediaServer;
  activityLog: ActivityRecorder;
}): Pick<HandlerDeps, 'appPasswords' | 'devices'> {
  const { config, clock, stores, mediaServer } = parts;
  const activityLog = config.activityRetentionDays > 0 ? parts.activityLog : undefined;
  const { links, providers } = stores;
  return {
    appPasswords: createAppPasswords({
      mediaServer,
      appPasswords: stores.appPasswords,
      links,
      providers,
      clock,
      enabled: config.appPasswords,
      activityLog,
    }),
    devices: createDevices({ mediaServer, links, clock, activityLog }),
  };
}

/** Avatars from claims (avatarUrlFormat or `picture`): a guarded fetch, and a failure never fails the login. */
function avatarFromClaims(
  config: Config,
  log: Logger,
  mediaServer: MediaServer,
  orm: Database['orm'],
): (user: MediaUser, identity: VerifiedIdentity) => Promise<void> {
  const avatarLog = log.child({ component: 'avatar' });
  return avatarsAfterLogin({
    orm,
    mediaServer,
    log: avatarLog,
    fetchImage: (url) =>
      fetchAvatar(url, { allowPrivateHosts: config.avatarAllowPrivateHosts, log: avatarLog }),
  });
}

/** The server with its requests counted, so a shutdown knows how many it would cut. */
function tracked(server: Server): { server: Server; requests: RequestTracker } {
  return { server, requests: trackRequests(server) };
}

/** Listens and resolves with the bound port; `opened` learns the server at once, so close() can stop it. */
function listen(
  http: HttpApp,
  port: number,
  host: string,
  opened: (server: Server) => void,
): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
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
    opened(listening);
  });
}

/**
 * Stops accepting connections, lets requests in progress finish within SSO_SHUTDOWN_TIMEOUT (idle
 * keep-alive connections are closed at once), then cuts the rest: a failed step that says how many.
 */
async function stopServer(
  held: { server: Server; requests: RequestTracker } | undefined,
  timeoutSeconds: number,
  log: Logger,
): Promise<void> {
  if (held === undefined) return;
  const cut = await drainServer(held.server, held.requests, timeoutSeconds * 1000);
  if (cut === 0) return;
  log.warn({ cutRequests: cut }, `shutdown timeout: ${cut} request(s) in progress were cut`);
  throw new Error(`${cut} request(s) were still in progress after SSO_SHUTDOWN_TIMEOUT=${timeoutSeconds} s`);
}

/**
 * Runs every step in the order given, even when one fails (a failed media-server close must not leave the
 * database open), logs each, and throws the first failure at the end.
 */
async function closeInOrder(
  log: Logger,
  steps: [name: string, step: () => Promise<void> | void][],
): Promise<void> {
  let failure: { error: unknown } | undefined;
  for (const [name, step] of steps) {
    try {
      await step();
      log.debug({ step: name }, `closed: ${name}`);
    } catch (error) {
      log.error({ err: error, step: name }, `closing failed: ${name}`);
      failure ??= { error };
    }
  }
  if (failure !== undefined) throw failure.error;
}
