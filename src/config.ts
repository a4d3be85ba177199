// Configuration from environment variables (README "Configuration"): parsed and validated once at start,
// with every problem reported together, each naming its variable.
import {
  DatabaseUrlError,
  DEFAULT_DATA_DIR,
  DEFAULT_DATABASE_URL,
  parseDatabaseUrl,
  parseSecretKey,
  SECRET_KEY_PROBLEM,
  SQLITE_SYNCHRONOUS_VALUES,
  type SqliteSynchronous,
} from './database-settings.js';

export type MediaServerKind = 'embedded' | 'jellyfin';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  port: number;
  host: string;
  /** External base URL, no trailing slash. Redirect and ACS URLs are built from it, never from headers. */
  publicUrl: string;
  databaseUrl: string;
  /** SQLite's commit durability (`PRAGMA synchronous`); PostgreSQL ignores it. */
  sqliteSynchronous: SqliteSynchronous;
  dataDir: string;
  mediaServer: MediaServerKind;
  jellyfinUrl: string | null;
  jellyfinApiKey: string | null;
  bootstrapApiKey: string | null;
  secretKey: string | null;
  logLevel: LogLevel;
  /** How long a login flow may take, in seconds. */
  flowTtlSeconds: number;
  /** Clock skew tolerated on SAML validity windows, in seconds. */
  samlClockSkewSeconds: number;
  /** Largest accepted request body, in bytes. */
  bodyLimitBytes: number;
  /** Requests per minute per client address on the public endpoints; 0 switches the limit off. */
  rateLimitPerMinute: number;
  /** Open sign-ins one client address (IPv6: one /64) may have at once; 0 switches the limit off. */
  maxOpenFlowsPerClient: number;
  /** Express `trust proxy` setting, so the rate limit sees the real client address behind the proxy. */
  trustProxy: string;
  /** Let avatar fetches reach loopback/private addresses (off: claims must not make us call the LAN). */
  avatarAllowPrivateHosts: boolean;
  /** Days the sign-in activity log keeps an entry; 0 records nothing. */
  activityRetentionDays: number;
  /** Providers as code: a YAML file applied at start and on SIGHUP (src/providers-file/); null = none. */
  providersFile: string | null;
  /** The Prometheus listener's port (0: any free one); null when metrics are off (the default). */
  metricsPort: number | null;
  /** Where the metrics listener binds: HOST unless SSO_METRICS_HOST says otherwise. */
  metricsHost: string;
  /** Seconds a shutdown waits for requests in progress before it cuts them. */
  shutdownTimeoutSeconds: number;
  /** SSO_APP_PASSWORDS (default on): whether users may make app passwords at all. */
  appPasswords: boolean;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    // One problem stays on one line (a start-up refusal is one line); several are listed below a header.
    super(
      problems.length === 1
        ? `Invalid configuration: ${problems[0] ?? ''}`
        : `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads the environment; throws ConfigError listing every problem at once. */
export function loadConfig(env: Env = process.env): Config {
  const read = envReader(env);
  const { port, host, publicUrl } = readListening(read);
  const config: Config = {
    port,
    host,
    publicUrl,
    ...readStorage(read),
    ...readMediaServer(read),
    logLevel: readLogLevel(read),
    flowTtlSeconds: read.integer('SSO_FLOW_TTL', 600, 30, 86_400),
    samlClockSkewSeconds: read.integer('SSO_SAML_CLOCK_SKEW', 120, 0, 3_600),
    bodyLimitBytes: read.integer('SSO_BODY_LIMIT', 262_144, 1_024, 10_485_760),
    rateLimitPerMinute: read.integer('SSO_RATE_LIMIT', 300, 0, 1_000_000),
    maxOpenFlowsPerClient: read.integer('SSO_MAX_OPEN_FLOWS', 50, 0, 1_000_000),
    trustProxy: read.text('SSO_TRUST_PROXY') ?? 'loopback',
    avatarAllowPrivateHosts: read.flag('SSO_AVATAR_ALLOW_PRIVATE_HOSTS'),
    activityRetentionDays: read.integer('SSO_ACTIVITY_RETENTION_DAYS', 30, 0, 3_650),
    // Its content is checked when it is applied: a SIGHUP re-reads it, so it may change after start.
    providersFile: read.text('SSO_PROVIDERS_FILE'),
    ...readOperations(read, { port, host }),
    // On unless switched off: the flag reader's own default is off.
    appPasswords: read.text('SSO_APP_PASSWORDS') === null || read.flag('SSO_APP_PASSWORDS'),
  };
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}

/** Typed reads of the environment; a malformed value is noted in `problems` and replaced by the default. */
interface EnvReader {
  readonly problems: string[];
  /** The trimmed value; null when unset or blank. */
  text(name: string): string | null;
  integer(name: string, fallback: number, min: number, max: number): number;
  flag(name: string): boolean;
  /** An http(s) URL without query or fragment, trailing slashes removed; null when malformed. */
  httpUrl(name: string, raw: string): string | null;
}

function envReader(env: Env): EnvReader {
  const problems: string[] = [];
  const text = (name: string): string | null => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? null : value;
  };
  return {
    problems,
    text,
    integer(name, fallback, min, max) {
      const raw = text(name);
      if (raw === null) return fallback;
      if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
        problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
        return fallback;
      }
      return Number(raw);
    },
    flag(name) {
      const raw = text(name);
      if (raw === null) return false;
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      problems.push(`${name} must be true or false (got "${raw}")`);
      return false;
    },
    httpUrl(name, raw) {
      try {
        const url = new URL(raw);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
        if (url.search !== '' || url.hash !== '') throw new Error('query');
        return url.toString().replace(/\/+$/, '');
      } catch {
        problems.push(`${name} must be an http(s) URL without query or fragment (got "${raw}")`);
        return null;
      }
    },
  };
}

function readListening(read: EnvReader): Pick<Config, 'port' | 'host' | 'publicUrl'> {
  const port = read.integer('PORT', 8097, 0, 65535);
  const publicUrlRaw = read.text('SSO_PUBLIC_URL');
  return {
    port,
    host: read.text('HOST') ?? '127.0.0.1',
    publicUrl:
      publicUrlRaw === null
        ? `http://localhost:${port}`
        : (read.httpUrl('SSO_PUBLIC_URL', publicUrlRaw) ?? ''),
  };
}

/** The database, the secret key and the bootstrap API key, checked by the parsers the database uses. */
function readStorage(
  read: EnvReader,
): Pick<Config, 'databaseUrl' | 'sqliteSynchronous' | 'dataDir' | 'secretKey' | 'bootstrapApiKey'> {
  const databaseUrl = read.text('SSO_DATABASE_URL') ?? DEFAULT_DATABASE_URL;
  try {
    parseDatabaseUrl(databaseUrl);
  } catch (error) {
    if (!(error instanceof DatabaseUrlError)) throw error;
    read.problems.push(error.message);
  }
  const secretKey = read.text('SSO_SECRET_KEY');
  if (secretKey !== null && parseSecretKey(secretKey) === null) read.problems.push(SECRET_KEY_PROBLEM);
  const bootstrapApiKey = read.text('SSO_BOOTSTRAP_API_KEY');
  if (bootstrapApiKey !== null && bootstrapApiKey.length < 16) {
    read.problems.push('SSO_BOOTSTRAP_API_KEY must be at least 16 characters long');
  }
  return {
    databaseUrl,
    sqliteSynchronous: readSqliteSynchronous(read),
    dataDir: read.text('SSO_DATA_DIR') ?? DEFAULT_DATA_DIR,
    secretKey,
    bootstrapApiKey,
  };
}

/** SSO_SQLITE_SYNCHRONOUS: `full` unless set to `normal` (either case); anything else is a problem. */
function readSqliteSynchronous(read: EnvReader): SqliteSynchronous {
  const raw = read.text('SSO_SQLITE_SYNCHRONOUS');
  if (raw === null) return 'full';
  const value = SQLITE_SYNCHRONOUS_VALUES.find((candidate) => candidate === raw.toLowerCase());
  if (value === undefined) {
    read.problems.push(`SSO_SQLITE_SYNCHRONOUS must be "full" or "normal" (got "${raw}")`);
    return 'full';
  }
  return value;
}

function readMediaServer(read: EnvReader): Pick<Config, 'mediaServer' | 'jellyfinUrl' | 'jellyfinApiKey'> {
  const mediaServerRaw = read.text('SSO_MEDIA_SERVER') ?? 'embedded';
  let mediaServer: MediaServerKind = 'embedded';
  if (mediaServerRaw === 'embedded' || mediaServerRaw === 'jellyfin') mediaServer = mediaServerRaw;
  else read.problems.push(`SSO_MEDIA_SERVER must be "embedded" or "jellyfin" (got "${mediaServerRaw}")`);

  const jellyfinUrlRaw = read.text('JELLYFIN_URL');
  const jellyfinUrl = jellyfinUrlRaw === null ? null : read.httpUrl('JELLYFIN_URL', jellyfinUrlRaw);
  const jellyfinApiKey = read.text('JELLYFIN_API_KEY');
  if (mediaServer === 'jellyfin') {
    if (jellyfinUrlRaw === null)
      read.problems.push('JELLYFIN_URL is required when SSO_MEDIA_SERVER=jellyfin');
    if (jellyfinApiKey === null) {
      read.problems.push(
        'JELLYFIN_API_KEY is required when SSO_MEDIA_SERVER=jellyfin (Jellyfin: Dashboard → API Keys)',
      );
    }
  }
  return { mediaServer, jellyfinUrl, jellyfinApiKey };
}

/** Metrics and shutdown: the metrics listener stays off unless SSO_METRICS_PORT names a port. */
function readOperations(
  read: EnvReader,
  main: { port: number; host: string },
): Pick<Config, 'metricsPort' | 'metricsHost' | 'shutdownTimeoutSeconds'> {
  const metricsPort =
    read.text('SSO_METRICS_PORT') === null ? null : read.integer('SSO_METRICS_PORT', 0, 0, 65535);
  const metricsHost = read.text('SSO_METRICS_HOST') ?? main.host;
  if (metricsPort !== null && metricsPort !== 0 && metricsPort === main.port && metricsHost === main.host) {
    read.problems.push(`SSO_METRICS_PORT must differ from PORT (both are ${metricsPort})`);
  }
  return {
    metricsPort,
    metricsHost,
    shutdownTimeoutSeconds: read.integer('SSO_SHUTDOWN_TIMEOUT', 10, 1, 3_600),
  };
}

function readLogLevel(read: EnvReader): LogLevel {
  const raw = read.text('LOG_LEVEL') ?? 'info';
  const level = LOG_LEVELS.find((candidate) => candidate === raw);
  if (level === undefined)
    read.problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${raw}")`);
  return level ?? 'info';
}
