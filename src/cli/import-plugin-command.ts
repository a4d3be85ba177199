// `npm run cli -- import-plugin <file>`: opens the service's database and media server as the service would
// (the same environment, through loadConfig), imports the SSO plugin's configuration (import-plugin.ts) and
// prints what it did. Exit codes: 0 done, 1 the file or a provider was refused (nothing written) or the
// database or media server failed, 2 usage error.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { createProviderBodyCheck } from '../http/provider-body-check.js';
import { createOidcConnector } from '../protocols/oidc-connector.js';
import { createOidcProtocol } from '../protocols/oidc.js';
import { createSamlConnector } from '../protocols/saml-connector.js';
import { createSamlProtocol } from '../protocols/saml.js';
import { SPEC_PATH } from '../repository-files.js';
import { systemClock } from '../sso/basics.js';
import { SsoError } from '../sso/errors.js';
import type { MediaServer } from '../sso/ports.js';
import { createProviderAdmin } from '../sso/provider-admin.js';
import { openDatabase, type Database } from '../storage/orm.js';
import { createPendingLinkStore } from '../storage/pending-link-store.js';
import { createProviderStore } from '../storage/provider-store.js';
import { createReplayCache } from '../storage/replay-cache.js';
import {
  importPluginConfiguration,
  PluginImportError,
  type ImportDeps,
  type ImportOptions,
} from './import-plugin.js';
import { PluginFieldError } from './import-plugin-fields.js';
import { PluginFileError } from './import-plugin-read.js';
import { reportText } from './import-plugin-report.js';

export interface ImportIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
}

export const IMPORT_PLUGIN_HELP = `Usage: npm run cli -- import-plugin <file> [options]

Imports the Jellyfin SSO plugin's providers and account links into jellyfin-sso. <file> is the plugin's
XML configuration (<jellyfin config>/plugins/configurations/SSO-Auth.xml) or the JSON body of
GET /Plugins/505ce9d1-d916-42fa-86ca-673ef241d7df/Configuration saved to a file.

Each provider is checked as an Add would check it and created or updated with every field the plugin had
(secrets encrypted at rest). Its canonical links become pending links: the first sign-in with that user
name on that provider is linked to the user the plugin named. Nothing is written when any provider is
refused. Running it again changes nothing that is already imported.

Options:
  --dry-run             check and report, write nothing
  --allow-admin-links   pending links may land on administrator accounts (without it they are dropped)
  --json                print the report as JSON
  -h, --help            show this help

Environment: the service's own (SSO_DATABASE_URL, SSO_DATA_DIR, SSO_SECRET_KEY, SSO_PUBLIC_URL,
SSO_MEDIA_SERVER, JELLYFIN_URL, JELLYFIN_API_KEY): the user ids are checked in that media server.
`;

type Parsed = { help: true } | { help: false; file: string; options: ImportOptions; json: boolean };

function parse(argv: string[]): Parsed {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      'dry-run': { type: 'boolean' },
      'allow-admin-links': { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return { help: true };
  const [file, ...rest] = positionals;
  if (file === undefined || rest.length > 0)
    throw new Error('usage: import-plugin <file> [--dry-run] [--allow-admin-links]');
  const options = {
    dryRun: values['dry-run'] ?? false,
    allowAdminLinks: values['allow-admin-links'] ?? false,
  };
  return { help: false, file, options, json: values.json ?? false };
}

/** The media server the service would use: Jellyfin (checked first) or the embedded directory. */
async function openMediaServer(config: Config, database: Database): Promise<MediaServer> {
  if (config.mediaServer === 'jellyfin' && config.jellyfinUrl !== null && config.jellyfinApiKey !== null) {
    const { createJellyfinServer } = await import('../media-server/jellyfin/index.js');
    const jellyfin = createJellyfinServer({ baseUrl: config.jellyfinUrl, apiKey: config.jellyfinApiKey });
    await jellyfin.check();
    return jellyfin;
  }
  const { createEmbeddedDirectory } = await import('../media-server/embedded/directory.js');
  return createEmbeddedDirectory({ orm: database.orm });
}

function importDeps(config: Config, database: Database, mediaServer: MediaServer): ImportDeps {
  const { orm, box } = database;
  const clock = systemClock;
  const providers = createProviderStore({ orm, box, clock });
  const connectors = {
    oidc: createOidcConnector({ engine: createOidcProtocol(), publicUrl: config.publicUrl }),
    saml: createSamlConnector({
      engine: createSamlProtocol({ clockSkewSeconds: config.samlClockSkewSeconds }),
      replay: createReplayCache({ orm }),
      clock,
      publicUrl: config.publicUrl,
    }),
  };
  return {
    providers,
    pendingLinks: createPendingLinkStore({ orm, box, clock }),
    admin: createProviderAdmin({ providers, connectors, clock }),
    connectors,
    mediaServer,
    checkBody: createProviderBodyCheck(SPEC_PATH),
    clock,
    publicUrl: config.publicUrl,
  };
}

/** Runs `import-plugin` with the arguments after the command name; returns the exit code. */
export async function runImportPlugin(argv: string[], io: ImportIo): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parse(argv);
  } catch (error) {
    // parseArgs explains `--` at length after its first sentence, which names the option.
    const message = (error instanceof Error ? error.message : String(error)).replace(
      /\. To specify[\s\S]*$/,
      '',
    );
    io.stderr(`error: ${message}\nRun with --help for the options.\n`);
    return 2;
  }
  if (parsed.help) {
    io.stdout(IMPORT_PLUGIN_HELP);
    return 0;
  }
  let config: Config;
  try {
    config = loadConfig(io.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr(`error: ${error.message}\n`);
    return 2;
  }
  return importFile(config, parsed, io);
}

async function importFile(
  config: Config,
  parsed: Extract<Parsed, { help: false }>,
  io: ImportIo,
): Promise<number> {
  let database: Database | undefined;
  let mediaServer: MediaServer | undefined;
  try {
    const text = await readFile(parsed.file, 'utf8');
    database = await openDatabase({
      url: config.databaseUrl,
      dataDir: config.dataDir,
      secretKey: config.secretKey ?? undefined,
      sqliteSynchronous: config.sqliteSynchronous,
    });
    mediaServer = await openMediaServer(config, database);
    const report = await importPluginConfiguration(
      importDeps(config, database, mediaServer),
      text,
      parsed.options,
    );
    io.stdout(parsed.json ? `${JSON.stringify(report, null, 2)}\n` : reportText(report, parsed.options));
    return 0;
  } catch (error) {
    io.stderr(`${failureText(parsed.file, error)}\n`);
    return 1;
  } finally {
    await mediaServer?.close?.();
    await database?.close();
  }
}

function failureText(file: string, error: unknown): string {
  if (error instanceof PluginImportError) {
    return `error: ${file}: nothing was imported; fix these and run again:\n${error.problems.map((p) => `  ${p}`).join('\n')}`;
  }
  if (error instanceof PluginFileError || error instanceof PluginFieldError) {
    return `error: ${file}: ${error.message}; nothing was imported`;
  }
  // An admin reads this: the private detail (never a secret) is useful here.
  const detail = error instanceof SsoError && error.detail ? ` (${error.detail})` : '';
  return `error: ${error instanceof Error ? error.message : String(error)}${detail}`;
}
