// Configuration from the environment (src/config.ts; README "Configuration"): defaults, normalisation, and
// every problem reported at once, each naming its variable.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('loadConfig', () => {
  it('when nothing is set, then the embedded defaults apply', () => {
    expect(loadConfig({})).toEqual({
      port: 8097,
      host: '127.0.0.1',
      publicUrl: 'http://localhost:8097',
      databaseUrl: 'sqlite:./data/sso.sqlite',
      sqliteSynchronous: 'full',
      dataDir: './data',
      mediaServer: 'embedded',
      jellyfinUrl: null,
      jellyfinApiKey: null,
      bootstrapApiKey: null,
      secretKey: null,
      logLevel: 'info',
      flowTtlSeconds: 600,
      samlClockSkewSeconds: 120,
      bodyLimitBytes: 262_144,
      rateLimitPerMinute: 300,
      maxOpenFlowsPerClient: 50,
      trustProxy: 'loopback',
      avatarAllowPrivateHosts: false,
      activityRetentionDays: 30,
      providersFile: null,
      metricsPort: null,
      metricsHost: '127.0.0.1',
      shutdownTimeoutSeconds: 10,
      appPasswords: true,
    });
  });

  it('when SSO_METRICS_PORT is set, then the metrics listener binds to HOST unless SSO_METRICS_HOST says otherwise', () => {
    expect(loadConfig({ HOST: '0.0.0.0', SSO_METRICS_PORT: '9464' })).toMatchObject({
      metricsPort: 9464,
      metricsHost: '0.0.0.0',
    });
    expect(loadConfig({ SSO_METRICS_PORT: '0', SSO_METRICS_HOST: '10.0.0.5' })).toMatchObject({
      metricsPort: 0,
      metricsHost: '10.0.0.5',
    });
  });

  it('when the operations settings are malformed, then each is named, and the metrics port may not be PORT', () => {
    expect(() => loadConfig({ SSO_METRICS_PORT: 'x', SSO_SHUTDOWN_TIMEOUT: '0' })).toThrow(
      /SSO_METRICS_PORT must be a whole number from 0 to 65535[\s\S]*SSO_SHUTDOWN_TIMEOUT must be a whole number from 1 to 3600/,
    );
    expect(() => loadConfig({ PORT: '9000', SSO_METRICS_PORT: '9000' })).toThrow(
      'SSO_METRICS_PORT must differ from PORT (both are 9000)',
    );
    expect(loadConfig({ SSO_SHUTDOWN_TIMEOUT: '30' }).shutdownTimeoutSeconds).toBe(30);
  });

  it('when SSO_SQLITE_SYNCHRONOUS is full or normal (either case), then it is taken; anything else is named', () => {
    expect(loadConfig({ SSO_SQLITE_SYNCHRONOUS: 'normal' }).sqliteSynchronous).toBe('normal');
    expect(loadConfig({ SSO_SQLITE_SYNCHRONOUS: 'FULL' }).sqliteSynchronous).toBe('full');
    for (const bad of ['off', 'extra', '0', '1', 'normal;']) {
      expect(() => loadConfig({ SSO_SQLITE_SYNCHRONOUS: bad })).toThrow(
        `Invalid configuration: SSO_SQLITE_SYNCHRONOUS must be "full" or "normal" (got "${bad}")`,
      );
    }
  });

  it('when PORT is set and SSO_PUBLIC_URL is not, then the public URL is http://localhost:$PORT', () => {
    const config = loadConfig({ PORT: '9123' });
    expect(config.port).toBe(9123);
    expect(config.publicUrl).toBe('http://localhost:9123');
  });

  it('when SSO_PUBLIC_URL is set, then it is used without its trailing slash, path kept', () => {
    expect(loadConfig({ SSO_PUBLIC_URL: 'https://jf.example.com/' }).publicUrl).toBe(
      'https://jf.example.com',
    );
    expect(loadConfig({ SSO_PUBLIC_URL: 'https://example.com/jellyfin/' }).publicUrl).toBe(
      'https://example.com/jellyfin',
    );
    expect(loadConfig({ PORT: '1234', SSO_PUBLIC_URL: 'http://media.lan:8096' }).publicUrl).toBe(
      'http://media.lan:8096',
    );
  });

  it('when a variable is empty or blank, then it counts as unset', () => {
    const config = loadConfig({ PORT: '', HOST: '  ', SSO_PUBLIC_URL: ' ', LOG_LEVEL: '' });
    expect(config.port).toBe(8097);
    expect(config.host).toBe('127.0.0.1');
    expect(config.publicUrl).toBe('http://localhost:8097');
    expect(config.logLevel).toBe('info');
  });

  it('when every variable is valid, then each is taken as given', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      SSO_DATABASE_URL: 'postgres://sso@db:5432/sso',
      SSO_DATA_DIR: '/var/lib/sso',
      SSO_MEDIA_SERVER: 'jellyfin',
      JELLYFIN_URL: 'http://jellyfin:8096/',
      JELLYFIN_API_KEY: 'abc',
      SSO_BOOTSTRAP_API_KEY: '0123456789abcdef',
      SSO_SECRET_KEY: 'a'.repeat(64),
      LOG_LEVEL: 'warn',
      SSO_FLOW_TTL: '30',
      SSO_SAML_CLOCK_SKEW: '0',
      SSO_BODY_LIMIT: '1024',
      SSO_RATE_LIMIT: '0',
      SSO_MAX_OPEN_FLOWS: '7',
      SSO_TRUST_PROXY: '1',
      SSO_AVATAR_ALLOW_PRIVATE_HOSTS: 'yes',
      SSO_ACTIVITY_RETENTION_DAYS: '0',
      SSO_APP_PASSWORDS: 'off',
    });
    expect(config).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      databaseUrl: 'postgres://sso@db:5432/sso',
      dataDir: '/var/lib/sso',
      mediaServer: 'jellyfin',
      jellyfinUrl: 'http://jellyfin:8096',
      jellyfinApiKey: 'abc',
      bootstrapApiKey: '0123456789abcdef',
      secretKey: 'a'.repeat(64),
      logLevel: 'warn',
      flowTtlSeconds: 30,
      samlClockSkewSeconds: 0,
      bodyLimitBytes: 1024,
      rateLimitPerMinute: 0,
      maxOpenFlowsPerClient: 7,
      trustProxy: '1',
      avatarAllowPrivateHosts: true,
      activityRetentionDays: 0,
      appPasswords: false,
    });
  });

  it('when SSO_SECRET_KEY is the base64 of 32 bytes, then it is accepted', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ SSO_SECRET_KEY: key }).secretKey).toBe(key);
  });

  it('when SSO_SECRET_KEY or SSO_DATABASE_URL would be refused when the database opens, then the configuration check refuses it first', () => {
    // The same parsers as the key loader and the database (src/database-settings.ts): nothing passes here
    // that fails later.
    expect(problemsOf({ SSO_SECRET_KEY: `${'A'.repeat(42)}B` })).toEqual([
      expect.stringMatching(/^SSO_SECRET_KEY .*32 bytes/),
    ]);
    for (const url of ['sqlite:', 'postgres://sso@127.0.0.1:5432', 'mysql://db/sso']) {
      expect(problemsOf({ SSO_DATABASE_URL: url })).toEqual([expect.stringMatching(/^SSO_DATABASE_URL /)]);
    }
  });

  it('when there is one problem, then the message is one line naming the variable', () => {
    let message = '';
    try {
      loadConfig({ SSO_DATABASE_URL: 'postgres://sso:hunter2@db' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid configuration: SSO_DATABASE_URL must name a database/);
    expect(message).not.toContain('\n');
    expect(message).not.toContain('hunter2');
  });

  it('when a flag is false in any accepted spelling, then it is false', () => {
    for (const value of ['0', 'false', 'NO', 'off']) {
      expect(loadConfig({ SSO_AVATAR_ALLOW_PRIVATE_HOSTS: value }).avatarAllowPrivateHosts).toBe(false);
    }
  });

  it('when many variables are wrong, then one error lists every problem, each naming its variable', () => {
    const bad = {
      PORT: 'eighty',
      SSO_PUBLIC_URL: 'ftp://files.example.com',
      SSO_DATABASE_URL: 'mysql://db/sso',
      SSO_MEDIA_SERVER: 'plex',
      JELLYFIN_URL: 'not a url',
      SSO_SECRET_KEY: 'too-short',
      SSO_BOOTSTRAP_API_KEY: 'short',
      LOG_LEVEL: 'loud',
      SSO_FLOW_TTL: '5',
      SSO_SAML_CLOCK_SKEW: '-1',
      SSO_BODY_LIMIT: '10',
      SSO_RATE_LIMIT: 'lots',
      SSO_AVATAR_ALLOW_PRIVATE_HOSTS: 'maybe',
      SSO_ACTIVITY_RETENTION_DAYS: '3651',
    };
    let thrown: unknown;
    try {
      loadConfig(bad);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const error = thrown as ConfigError;
    const names = Object.keys(bad);
    expect(error.problems).toHaveLength(names.length);
    for (const name of names) {
      expect(
        error.problems.filter((p) => p.startsWith(`${name} `)),
        name,
      ).toHaveLength(1);
      expect(error.message).toContain(name);
    }
  });

  it('when the Jellyfin adapter is chosen without its URL and key, then both are reported', () => {
    const problems = problemsOf({ SSO_MEDIA_SERVER: 'jellyfin' });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^JELLYFIN_URL /);
    expect(problems[1]).toMatch(/^JELLYFIN_API_KEY /);
  });

  it('when a URL carries a query or fragment, then it is refused', () => {
    expect(problemsOf({ SSO_PUBLIC_URL: 'https://jf.example.com/?x=1' })).toEqual([
      expect.stringMatching(/^SSO_PUBLIC_URL /),
    ]);
    expect(problemsOf({ JELLYFIN_URL: 'http://jf:8096/#top' })).toEqual([
      expect.stringMatching(/^JELLYFIN_URL /),
    ]);
  });

  it('when a number is out of range or not whole, then the variable is named with the range', () => {
    expect(problemsOf({ PORT: '65536' })).toEqual([expect.stringMatching(/^PORT .*0 to 65535.*"65536"/)]);
    expect(problemsOf({ SSO_FLOW_TTL: '1.5' })).toEqual([expect.stringMatching(/^SSO_FLOW_TTL /)]);
    expect(problemsOf({ SSO_ACTIVITY_RETENTION_DAYS: 'forever' })).toEqual([
      expect.stringMatching(/^SSO_ACTIVITY_RETENTION_DAYS .*0 to 3650.*"forever"/),
    ]);
  });

  it('when the problems are printed, then the message gives one line per problem', () => {
    let message = '';
    try {
      loadConfig({ PORT: 'x', LOG_LEVEL: 'y' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split('\n')).toEqual([
      'Invalid configuration:',
      expect.stringMatching(/^ {2}- PORT /),
      expect.stringMatching(/^ {2}- LOG_LEVEL /),
    ]);
  });
});
