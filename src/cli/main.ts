// The admin CLI of the embedded directory: `npm run cli -- <command>`. Opens the same database as the
// service (SSO_DATABASE_URL, SSO_DATA_DIR, SSO_SECRET_KEY), applies pending migrations, runs one command.
// Exit codes: 0 success, 1 failure (database, key, not found), 2 usage error.

import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { SsoError } from '../sso/errors.js';
import {
  COLLECTION_TYPES,
  createEmbeddedDirectory,
  type EmbeddedDirectory,
  type LibraryInput,
} from '../media-server/embedded/directory.js';
import { DEFAULT_DATA_DIR, DEFAULT_DATABASE_URL } from '../database-settings.js';
import { openDatabase } from '../storage/orm.js';

const HELP = `Usage: npm run cli -- <command> [options]

Administers the embedded media-server directory of jellyfin-sso.

Commands:
  api-key create <name>            create an API key; it is printed once, store it now
  api-key list                     list API keys (ids, names, dates; never the keys)
  api-key revoke <id>              revoke an API key by its id
  users list                       list users (id, name, administrator, disabled)
  libraries list                   list the libraries offered to folder-role mapping
  libraries set <spec>...          replace the library list; each <spec> is
                                     <id>=<name>[:<type>]  id: 32 hex or a GUID
                                     <name>[:<type>]       id derived from the name
                                   <type>: ${COLLECTION_TYPES.join(', ')}

Options:
  --json                           print list output as JSON
  -h, --help                       show this help

Environment:
  SSO_DATABASE_URL   sqlite:<path> or postgres://… (default ${DEFAULT_DATABASE_URL})
  SSO_DATA_DIR       data folder holding secret.key (default ${DEFAULT_DATA_DIR})
  SSO_SECRET_KEY     the service's secret key, if it is not in the key file
`;

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
}

class UsageError extends Error {}

type Command =
  | { kind: 'help' }
  | { kind: 'api-key create'; name: string }
  | { kind: 'api-key list' }
  | { kind: 'api-key revoke'; id: string }
  | { kind: 'users list' }
  | { kind: 'libraries list' }
  | { kind: 'libraries set'; libraries: LibraryInput[] };

/** `<id>=<name>[:<type>]` or `<name>[:<type>]`; a trailing `:<type>` counts only if it is a known type. */
export function parseLibrarySpec(spec: string): LibraryInput {
  let rest = spec;
  let type: string | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon > 0 && (COLLECTION_TYPES as readonly string[]).includes(rest.slice(colon + 1))) {
    type = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const equals = rest.indexOf('=');
  if (equals >= 0) {
    const id = rest.slice(0, equals);
    const name = rest.slice(equals + 1);
    if (id === '' || name.trim() === '')
      throw new UsageError(`libraries set: "${spec}" needs both an id and a name`);
    return { Id: id, Name: name, CollectionType: type };
  }
  if (rest.trim() === '') throw new UsageError(`libraries set: "${spec}" has no name`);
  // A stable id from the name (like Jellyfin's MD5-derived folder ids), so re-running the command keeps ids.
  const id = createHash('md5').update(`jellyfin-sso library:${rest.trim()}`, 'utf8').digest('hex');
  return { Id: id, Name: rest, CollectionType: type };
}

function parse(argv: string[]): { command: Command; json: boolean } {
  const json = argv.includes('--json');
  const args = argv.filter((arg) => arg !== '--json');
  if (args.length === 0 || args.includes('--help') || args.includes('-h') || args[0] === 'help') {
    return { command: { kind: 'help' }, json };
  }
  const unknownOption = args.find((arg) => arg.startsWith('--'));
  if (unknownOption) throw new UsageError(`unknown option ${unknownOption}`);
  const [group, action, ...rest] = args;
  const exactly = (count: number, usage: string) => {
    if (rest.length !== count) throw new UsageError(`usage: ${usage}`);
  };
  switch (`${group ?? ''} ${action ?? ''}`) {
    case 'api-key create':
      exactly(1, 'api-key create <name>');
      return { command: { kind: 'api-key create', name: rest[0] ?? '' }, json };
    case 'api-key list':
      exactly(0, 'api-key list');
      return { command: { kind: 'api-key list' }, json };
    case 'api-key revoke':
      exactly(1, 'api-key revoke <id>');
      return { command: { kind: 'api-key revoke', id: rest[0] ?? '' }, json };
    case 'users list':
      exactly(0, 'users list');
      return { command: { kind: 'users list' }, json };
    case 'libraries list':
      exactly(0, 'libraries list');
      return { command: { kind: 'libraries list' }, json };
    case 'libraries set':
      // An explicit empty list would be `libraries set` with no spec: refuse it, it is almost always a slip.
      if (rest.length === 0) throw new UsageError('usage: libraries set <id>=<name>[:<type>] …');
      return { command: { kind: 'libraries set', libraries: rest.map(parseLibrarySpec) }, json };
    default:
      throw new UsageError(`unknown command "${args.join(' ')}"`);
  }
}

function table(rows: string[][]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return (
    rows
      .map((row) =>
        row
          .map((cell, column) => cell.padEnd(widths[column] ?? 0))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

async function run(
  command: Exclude<Command, { kind: 'help' }>,
  directory: EmbeddedDirectory,
  json: boolean,
  io: CliIo,
): Promise<number> {
  const print = (value: unknown, rows: () => string[][]) =>
    io.stdout(json ? `${JSON.stringify(value, null, 2)}\n` : table(rows()));
  switch (command.kind) {
    case 'api-key create': {
      const { key, info } = await directory.createApiKey(command.name);
      if (json) {
        io.stdout(`${JSON.stringify({ ...info, key }, null, 2)}\n`);
      } else {
        io.stdout(`${key}\n`);
        io.stderr(
          `API key "${info.name}" created (id ${info.id}). It is shown only this once: store it now.\n`,
        );
      }
      return 0;
    }
    case 'api-key list': {
      const keys = await directory.listApiKeys();
      print(keys, () => [
        ['ID', 'NAME', 'CREATED', 'REVOKED'],
        ...keys.map((k) => [k.id, k.name, k.createdAt.toISOString(), k.revokedAt?.toISOString() ?? '-']),
      ]);
      return 0;
    }
    case 'api-key revoke': {
      if (!(await directory.revokeApiKey(command.id))) {
        io.stderr(`no active API key with id ${command.id}\n`);
        return 1;
      }
      io.stdout(`revoked API key ${command.id}\n`);
      return 0;
    }
    case 'users list': {
      const users = await directory.listUsers();
      print(users, () => [
        ['ID', 'NAME', 'ADMIN', 'DISABLED'],
        ...users.map((u) => [
          u.id,
          u.name,
          u.policy.IsAdministrator ? 'yes' : 'no',
          u.policy.IsDisabled ? 'yes' : 'no',
        ]),
      ]);
      return 0;
    }
    case 'libraries list': {
      const libraries = await directory.listLibraries();
      print(libraries, () => [
        ['ID', 'NAME', 'TYPE'],
        ...libraries.map((l) => [l.Id, l.Name, l.CollectionType ?? '-']),
      ]);
      return 0;
    }
    case 'libraries set': {
      const libraries = await directory.setLibraries(command.libraries);
      print(libraries, () => [
        ['ID', 'NAME', 'TYPE'],
        ...libraries.map((l) => [l.Id, l.Name, l.CollectionType ?? '-']),
      ]);
      return 0;
    }
  }
}

/** Runs one CLI invocation; returns the exit code. Never calls process.exit (testable in-process). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`error: ${error.message}\nRun with --help for the list of commands.\n`);
    return 2;
  }
  const { command, json } = parsed;
  if (command.kind === 'help') {
    io.stdout(HELP);
    return 0;
  }

  let database: Awaited<ReturnType<typeof openDatabase>> | undefined;
  try {
    database = await openDatabase({
      url: io.env.SSO_DATABASE_URL || DEFAULT_DATABASE_URL,
      dataDir: io.env.SSO_DATA_DIR || DEFAULT_DATA_DIR,
      secretKey: io.env.SSO_SECRET_KEY,
    });
    return await run(command, createEmbeddedDirectory({ orm: database.orm }), json, io);
  } catch (error) {
    if (error instanceof SsoError && error.code === 'invalid_request') {
      io.stderr(`error: ${error.message}\n`);
      return 2;
    }
    // An admin reads this: include the private detail (never a secret) that the HTTP API would only log.
    const detail = error instanceof SsoError && error.detail ? ` (${error.detail})` : '';
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`error: ${message}${detail}\n`);
    return 1;
  } finally {
    await database?.close();
  }
}

// Run only when executed directly (`node --import tsx src/cli/main.ts`), not when imported by tests.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const code = await runCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
  });
  process.exitCode = code;
}
