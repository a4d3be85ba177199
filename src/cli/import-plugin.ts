// Import of the SSO plugin's configuration: each provider's fields become an `Add` body, checked by the
// contract's schema and the connector's parseSettings (what `Add` runs), and saved through the provider
// admin (secrets sealed by the store); its canonical links become pending links. Everything is read and
// checked before anything is written, so a broken file or provider writes nothing. A provider whose stored
// settings already equal the import's is left alone, which makes a re-run change nothing.
import { isDeepStrictEqual } from 'node:util';
import { isRecord } from '../sso/basics.js';
import { endpointUrl } from '../sso/endpoints.js';
import { SsoError } from '../sso/errors.js';
import { checkProviderName, type ProviderAdmin } from '../sso/provider-admin.js';
import type {
  Clock,
  Connectors,
  MediaServer,
  PendingLink,
  PendingLinkStore,
  ProviderStore,
  ProviderWrite,
} from '../sso/ports.js';
import { pendingNameKey } from '../sso/pending-links.js';
import type { ProtocolName, ProviderRecord } from '../sso/provider-settings.js';
import type { ProviderBodyCheck } from '../http/provider-body-check.js';
import { PLUGIN_FIELDS, PluginFieldError, checkedValue, fieldSpec } from './import-plugin-fields.js';
import { readPluginFile, type PluginEntry } from './import-plugin-read.js';

export interface ImportDeps {
  providers: ProviderStore;
  pendingLinks: PendingLinkStore;
  admin: ProviderAdmin;
  connectors: Connectors;
  mediaServer: Pick<MediaServer, 'getUserById'>;
  checkBody: ProviderBodyCheck;
  clock: Clock;
  publicUrl: string;
}

export interface ImportOptions {
  dryRun: boolean;
  /** Pending links may land on administrator accounts (recorded on each link). */
  allowAdminLinks: boolean;
}

export type LinkOutcome =
  'created' | 'updated' | 'unchanged' | 'already used' | 'user not found' | 'duplicate';

export interface LinkReport {
  name: string;
  userId: string;
  outcome: LinkOutcome;
  /** The user is an administrator (and the link will be dropped at sign-in without --allow-admin-links). */
  administrator: boolean;
}

export interface ProviderReport {
  protocol: ProtocolName;
  name: string;
  outcome: 'created' | 'updated' | 'unchanged';
  /** Fields whose value the service normalised (secrets are never shown). */
  changed: { field: string; from: unknown; to: unknown }[];
  /** Fields that were nil in the file and take this service's default. */
  defaulted: string[];
  noEquivalent: { field: string; why: string }[];
  /** Warnings `Add` would answer (e.g. a certificate about to expire). */
  warnings: string[];
  /** The redirect URI (OIDC) or ACS URL (SAML) to register at the IdP. */
  callbackUrl: string;
  links: LinkReport[];
}

export interface ImportReport {
  format: 'xml' | 'json';
  generation: '4.x' | '5.x';
  dryRun: boolean;
  /** Top-level entries of the file with no equivalent. */
  ignored: string[];
  providers: ProviderReport[];
}

/** The file's providers could not be imported; every problem is listed, and nothing was written. */
export class PluginImportError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

interface ProviderPlan {
  report: ProviderReport;
  body: Record<string, unknown>;
  links: { name: string; userId: string }[];
}

export async function importPluginConfiguration(
  deps: ImportDeps,
  text: string,
  options: ImportOptions,
): Promise<ImportReport> {
  const file = readPluginFile(text);
  const plans: ProviderPlan[] = [];
  const problems: string[] = [];
  for (const entry of file.entries) {
    const label = `${entry.protocol.toUpperCase()} provider "${entry.name}"`;
    try {
      plans.push(await planProvider(deps, entry, options));
    } catch (error) {
      if (!(
        error instanceof PluginFieldError ||
        (error instanceof SsoError && error.code === 'invalid_request')
      ))
        throw error;
      problems.push(`${label}: ${error.message}`);
    }
  }
  if (problems.length > 0) throw new PluginImportError(problems);
  if (!options.dryRun) for (const plan of plans) await applyPlan(deps, plan, options);
  return {
    format: file.format,
    generation: file.entries.some((entry) => entry.fields.some(isFiveX)) ? '5.x' : '4.x',
    dryRun: options.dryRun,
    ignored: file.ignored,
    providers: plans.map((plan) => plan.report),
  };
}

function isFiveX(field: { name: string }): boolean {
  return PLUGIN_FIELDS.some(
    (spec) => spec.since5 === true && spec.plugin.toLowerCase() === field.name.toLowerCase(),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Planning: reads only

/** The `Add` body of an entry, what has no equivalent, and its canonical links. */
function bodyOf(entry: PluginEntry) {
  const body: Record<string, unknown> = {};
  const defaulted: string[] = [];
  const noEquivalent: { field: string; why: string }[] = [];
  let links: Record<string, unknown> = {};
  for (const field of entry.fields) {
    const spec = fieldSpec(entry.protocol, field.name);
    if (spec === undefined) {
      noEquivalent.push({
        field: field.name,
        why: `not a field of the plugin's ${entry.protocol.toUpperCase()} providers this service knows`,
      });
      continue;
    }
    const value = checkedValue(spec, field.value, field.where);
    if (spec.kind === 'links') links = isRecord(value) ? value : {};
    else if (spec.add === null) noEquivalent.push({ field: spec.plugin, why: spec.note ?? '' });
    // A nil field is omitted, as an Add body that leaves a field out: it takes its default.
    else if (value === null) defaulted.push(spec.add);
    else body[spec.add] = value;
  }
  return { body, defaulted, noEquivalent, links };
}

async function planProvider(
  deps: ImportDeps,
  entry: PluginEntry,
  options: ImportOptions,
): Promise<ProviderPlan> {
  const { body, defaulted, noEquivalent, links } = bodyOf(entry);
  checkProviderName(entry.name);
  deps.checkBody(entry.protocol, body);
  // The contract's schema has just accepted the body as this protocol's input, which the type system cannot
  // know of a record built field by field.
  const parsed = deps.connectors[entry.protocol].parseSettings(body as never, deps.clock.now());
  const existing = await deps.providers.get(entry.protocol, entry.name);
  const pending = existing === null ? [] : await deps.pendingLinks.list(existing.id);
  const report: ProviderReport = {
    protocol: entry.protocol,
    name: entry.name,
    outcome: existing === null ? 'created' : sameProvider(existing, parsed.write) ? 'unchanged' : 'updated',
    changed: normalised(body, parsed.write),
    defaulted,
    noEquivalent,
    warnings: parsed.warnings,
    callbackUrl: callbackUrl(deps.publicUrl, entry, parsed.write),
    links: await planLinks(deps, links, pending, options),
  };
  return {
    report,
    body,
    links: report.links.filter(isToWrite).map(({ name, userId }) => ({ name, userId })),
  };
}

function sameProvider(existing: ProviderRecord, write: ProviderWrite): boolean {
  const secretsKept = (['clientSecret', 'spSigningKey'] as const).every(
    (key) => write.secrets[key] === undefined || existing.secrets[key] === write.secrets[key],
  );
  return secretsKept && isDeepStrictEqual(existing.settings, write.settings);
}

/** Fields the service stores differently from the file (trimmed, normalised ids, …); secrets excluded. */
function normalised(body: Record<string, unknown>, write: ProviderWrite): ProviderReport['changed'] {
  const settings: Record<string, unknown> = { ...write.settings };
  return Object.entries(body)
    .filter(([field]) => field in settings)
    .filter(([field, value]) => !isDeepStrictEqual(value, settings[field]))
    .map(([field, from]) => ({ field, from, to: settings[field] }));
}

function callbackUrl(publicUrl: string, entry: PluginEntry, write: ProviderWrite): string {
  const path = entry.protocol === 'oidc' ? '/sso/OID/redirect/' : '/sso/SAML/post/';
  return endpointUrl(publicUrl, `${path}${encodeURIComponent(entry.name)}`, write.settings);
}

const isToWrite = (link: LinkReport): boolean => link.outcome === 'created' || link.outcome === 'updated';

/** Each canonical link against the media server and the provider's pending links. */
async function planLinks(
  deps: ImportDeps,
  links: Record<string, unknown>,
  pending: PendingLink[],
  options: ImportOptions,
): Promise<LinkReport[]> {
  const seen = new Set<string>();
  const reports: LinkReport[] = [];
  for (const [name, id] of Object.entries(links)) {
    // Jellyfin writes GUIDs with dashes in its XML; user ids are 32 hex digits (docs/plugin-compatibility.md §2.3).
    const userId = String(id).replace(/-/g, '').toLowerCase();
    const user = await deps.mediaServer.getUserById(userId);
    const key = pendingNameKey(name);
    const stored = pending.find((link) => pendingNameKey(link.canonicalName) === key);
    const outcome: LinkOutcome = seen.has(key)
      ? 'duplicate'
      : user === null
        ? 'user not found'
        : linkOutcome(stored, { name, userId, allowAdmin: options.allowAdminLinks });
    seen.add(key);
    reports.push({ name, userId, outcome, administrator: user?.policy.IsAdministrator ?? false });
  }
  return reports;
}

function linkOutcome(
  stored: PendingLink | undefined,
  wanted: { name: string; userId: string; allowAdmin: boolean },
): LinkOutcome {
  if (stored === undefined) return 'created';
  if (stored.usedAt !== null) return 'already used';
  const same =
    stored.canonicalName === wanted.name &&
    stored.userId === wanted.userId &&
    stored.allowAdmin === wanted.allowAdmin;
  return same ? 'unchanged' : 'updated';
}

// ---------------------------------------------------------------------------------------------------------
// Applying: the writes

async function applyPlan(deps: ImportDeps, plan: ProviderPlan, options: ImportOptions): Promise<void> {
  const { protocol, name } = plan.report;
  let record = await deps.providers.get(protocol, name);
  if (plan.report.outcome !== 'unchanged' || record === null) {
    // The body passed the contract's schema at planning (see planProvider).
    record = (await deps.admin.save(protocol, name, plan.body as never, deps.clock.now())).record;
  }
  for (const link of plan.links) {
    await deps.pendingLinks.save({
      providerId: record.id,
      canonicalName: link.name,
      userId: link.userId,
      allowAdmin: options.allowAdminLinks,
    });
  }
}
