// The admin CLI of the embedded directory: `npm run cli -- <command>`. Opens the same database as the
// service (SSO_DATABASE_URL, SSO_DATA_DIR, SSO_SECRET_KEY), applies pending migrations, runs one command.
// Exit codes: 0 success, 1 failure (database, key, not found), 2 usage error.

import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { SsoError } from '../sso/errors.js';
import {
  COLLECTION_TYPES,
  createEmbeddedDirectory,
  type EmbeddedDirectory,
  type LibraryInput,
} from '../media-server/embedded/directory.js';
import { DEFAULT_DATA_DIR, DEFAULT_DATABASE_URL } from '../database-settings.js';
import { openDatabase } from '../storage/orm.js';
import { runImportPlugin } from './import-plugin-command.js';

/** Every command: its group and action, its arguments and one line on what it does. */
const COMMANDS = [
  {
    group: 'api-key',
    action: 'create',
    args: '<name>',
    says: 'create an API key; it is printed once, store it now',
  },
  { group: 'api-key', action: 'list', args: '', says: 'list API keys (ids, names, dates; never the keys)' },
  {
    group: 'api-key',
    action: 'revoke',
    args: '<id or name>',
    says: 'revoke an API key by its id, or by its name when one active key has it',
  },
  { group: 'users', action: 'list', args: '', says: 'list users (id, name, administrator, disabled)' },
  { group: 'libraries', action: 'list', args: '', says: 'list the libraries offered to folder-role mapping' },
  {
    group: 'libraries',
    action: 'set',
    args: '<spec>...',
    says: `replace the library list; each <spec> is
                                     <id>=<name>[:<type>]  id: 32 hex or a GUID
                                     <name>[:<type>]       id derived from the name
                                   <type>: ${COLLECTION_TYPES.join(', ')}`,
  },
] as const;

type CommandSpec = (typeof COMMANDS)[number];
/**
 * A command's `group action`. TypeScript widens a template of two unions to every pairing; only the pairs
 * COMMANDS lists exist, hence the cast where the name is built.
 */
type CommandName = Exclude<Command['kind'], 'help'>;

function commandLines(commands: readonly CommandSpec[]): string {
  return commands
    .map((c) => `  ${`${c.group} ${c.action} ${c.args}`.trimEnd().padEnd(33)}${c.says}`)
    .join('\n');
}

const OPTIONS_AND_ENVIRONMENT = `Options:
  --json                           print list output as JSON
  -h, --help                       show this help (after a command or group: its own)

Environment:
  SSO_DATABASE_URL   sqlite:<path> or postgres://… (default ${DEFAULT_DATABASE_URL})
  SSO_DATA_DIR       data folder holding secret.key (default ${DEFAULT_DATA_DIR})
  SSO_SECRET_KEY     the service's secret key, if it is not in the key file
`;

/** The help of the whole CLI, of one group (`api-key`), or of one command (`api-key revoke`). */
function helpFor(group?: string, action?: string): string {
  const matching = COMMANDS.filter(
    (c) => (group === undefined || c.group === group) && (action === undefined || c.action === action),
  );
  const usage =
    group === undefined ? '<command>' : action === undefined ? `${group} <command>` : `${group} ${action}`;
  return `Usage: npm run cli -- ${usage} [options]

Administers the embedded media-server directory of jellyfin-sso.

Commands:
${commandLines(matching)}${group === undefined ? `\n  ${'import-plugin <file>'.padEnd(33)}import the SSO plugin's providers and links (its --help)` : ''}

${OPTIONS_AND_ENVIRONMENT}`;
}

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
}

class UsageError extends Error {}

type Command =
  | { kind: 'help'; text: string }
  | { kind: 'api-key create'; name: string }
  | { kind: 'api-key list' }
  | { kind: 'api-key revoke'; idOrName: string }
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

/** Options by node:util's parseArgs; the words left are `<group> <action> <args>`. */
function parse(argv: string[]): { command: Command; json: boolean } {
  let parsed: ReturnType<typeof parseCliArgs>;
  try {
    parsed = parseCliArgs(argv);
  } catch (error) {
    // parseArgs explains `--` at length after its first sentence, which names the option.
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(message.replace(/\. To specify a positional argument[\s\S]*$/, ''));
  }
  const { values, positionals } = parsed;
  const json = values.json ?? false;
  const [group, action, ...rest] = positionals;
  const known = COMMANDS.filter((c) => c.group === group);
  const spec = known.find((c) => c.action === action);
  if (group === undefined || group === 'help') return { command: { kind: 'help', text: helpFor() }, json };
  if (known.length === 0) throw new UsageError(`unknown command "${positionals.join(' ')}"`);
  if (values.help === true) {
    return { command: { kind: 'help', text: helpFor(group, spec?.action) }, json };
  }
  if (action === undefined) throw new UsageError(`"${group}" needs a command:\n${commandLines(known)}`);
  if (spec === undefined) throw new UsageError(`unknown command "${positionals.join(' ')}"`);
  return { command: commandOf(spec, rest), json };
}

function parseCliArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
}

/** The command a spec names, with its arguments checked. */
function commandOf(spec: CommandSpec, rest: string[]): Command {
  const exactly = (count: number): void => {
    if (rest.length !== count)
      throw new UsageError(`usage: ${`${spec.group} ${spec.action} ${spec.args}`.trimEnd()}`);
  };
  const name = `${spec.group} ${spec.action}` as CommandName;
  switch (name) {
    case 'api-key create':
      exactly(1);
      return { kind: name, name: rest[0] ?? '' };
    case 'api-key revoke':
      exactly(1);
      return { kind: name, idOrName: rest[0] ?? '' };
    case 'libraries set':
      // An explicit empty list would be `libraries set` with no spec: refuse it, it is almost always a slip.
      if (rest.length === 0) throw new UsageError('usage: libraries set <id>=<name>[:<type>] …');
      return { kind: name, libraries: rest.map(parseLibrarySpec) };
    case 'api-key list':
    case 'users list':
    case 'libraries list':
      exactly(0);
      return { kind: name };
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
    case 'api-key revoke':
      return revoke(directory, command.idOrName, io);
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

/** Revokes the key with this id, else the one active key with this name; a name several keys share is refused. */
async function revoke(directory: EmbeddedDirectory, idOrName: string, io: CliIo): Promise<number> {
  if (await directory.revokeApiKey(idOrName)) {
    io.stdout(`revoked API key ${idOrName}\n`);
    return 0;
  }
  const named = (await directory.listApiKeys()).filter((k) => k.revokedAt === null && k.name === idOrName);
  const only = named[0];
  if (named.length > 1) {
    io.stderr(
      `${named.length} active API keys are named "${idOrName}": revoke one by its id (api-key list)\n`,
    );
    return 1;
  }
  if (only === undefined || !(await directory.revokeApiKey(only.id))) {
    io.stderr(`no active API key with id or name "${idOrName}"\n`);
    return 1;
  }
  io.stdout(`revoked API key "${idOrName}" (id ${only.id})\n`);
  return 0;
}

/** Runs one CLI invocation; returns the exit code. Never calls process.exit (testable in-process). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  // A command of its own, with its own options and environment (import-plugin-command.ts).
  if (argv[0] === 'import-plugin') return runImportPlugin(argv.slice(1), io);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`error: ${error.message}\nRun with --help for the commands.\n`);
    return 2;
  }
  const { command, json } = parsed;
  if (command.kind === 'help') {
    io.stdout(command.text);
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
