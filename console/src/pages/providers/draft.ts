// The form's working copy of a provider ("draft"): one value per field of its table, in the shape its
// control edits (lists as one-per-line text, numbers as text, a secret as null until replaced or false
// to remove it), and the conversions from a stored provider and to the body of Add.
import type { FolderRoleMapping } from '../../../../clients/typescript/index.ts';
import { ProblemError } from '../../api.ts';
import { FIELD_NAME, type FieldSpec, type FieldTable, type Kind, type Protocol } from './field-table.ts';
import { OIDC_FIELDS } from './oidc-fields.ts';
import { SAML_FIELDS } from './saml-fields.ts';

export type DraftValue = string | boolean | string[] | FolderRoleMapping[] | null;
export type Draft = Record<string, DraftValue>;
export type Table = Record<string, FieldSpec>;
/** Messages of the service's problem, by field key (`oidEndpoint`, or `name` for the provider name). */
export type FieldErrors = Record<string, string>;

export function tableFor(protocol: Protocol): Table {
  return protocol === 'oidc' ? OIDC_FIELDS : SAML_FIELDS;
}

function isMapping(value: unknown): value is FolderRoleMapping {
  return typeof value === 'object' && value !== null && 'role' in value && 'folders' in value;
}

/** What a stored value looks like in its control. Secrets are never returned: null means "keep". */
function toDraftValue(kind: Kind, value: unknown): DraftValue {
  switch (kind) {
    case 'bool':
      return value === true;
    case 'tristate':
      return value === true ? 'true' : value === false ? 'false' : '';
    case 'port':
      return typeof value === 'number' ? String(value) : '';
    case 'list':
      return Array.isArray(value) ? value.join('\n') : '';
    case 'folders':
      return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
    case 'folder-roles':
      return Array.isArray(value)
        ? value.filter(isMapping).map((m) => ({ ...m, folders: [...m.folders] }))
        : [];
    case 'secret':
    case 'secret-multiline':
      return null;
    default:
      return typeof value === 'string' ? value : '';
  }
}

/** The value Add receives for a control's value; undefined leaves the field out (a secret kept as stored). */
function toInputValue(kind: Kind, value: DraftValue): unknown {
  const text = typeof value === 'string' ? value : '';
  switch (kind) {
    case 'bool':
      return value === true;
    case 'tristate':
      return text === '' ? null : text === 'true';
    case 'port': {
      if (text.trim() === '') return null;
      // Anything but a number is sent as typed, so the service names the field in its refusal.
      const port = Number(text);
      return Number.isFinite(port) ? port : text;
    }
    case 'list':
      return text
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '');
    case 'folders':
    case 'folder-roles':
      return Array.isArray(value) ? value : [];
    case 'secret':
    case 'secret-multiline':
      // false: the admin asked to remove the stored value, which an empty string does.
      if (value === false) return '';
      return text.trim() === '' ? undefined : text;
    default:
      return text;
  }
}

/** A new provider: the service's defaults, except that it starts enabled. */
export function emptyDraft(table: Table): Draft {
  const draft = draftFromStored(table, { enabled: true });
  for (const [key, spec] of Object.entries(table)) if (spec.kind.startsWith('secret')) draft[key] = '';
  return draft;
}

/** The draft of a provider as `Get` returned it. */
export function draftFromStored(table: Table, stored: object): Draft {
  const draft: Draft = {};
  for (const [key, spec] of Object.entries(table)) {
    const value: unknown = Reflect.get(stored, key);
    // A setting that is on unless stored off shows checked when the provider predates it.
    draft[key] = toDraftValue(spec.kind, value ?? spec.absentMeans);
  }
  return draft;
}

/** The body of Add for a draft. */
export function inputFromDraft<I>(table: FieldTable<I>, draft: Draft): I {
  const input: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries<FieldSpec>(table)) {
    const value = toInputValue(spec.kind, draft[key] ?? null);
    if (value !== undefined) input[key] = value;
  }
  // FieldTable<I> lists every field of I with a kind that holds its type, and toInputValue gives each
  // kind's value that type; TypeScript cannot follow a key-by-key loop to see it.
  return input as I;
}

export function textIn(draft: Draft, key: string): string {
  const value = draft[key];
  return typeof value === 'string' ? value : '';
}

export function idsIn(draft: Draft, key: string): string[] {
  const value = draft[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function mappingsIn(draft: Draft, key: string): FolderRoleMapping[] {
  const value = draft[key];
  return Array.isArray(value) ? value.filter(isMapping) : [];
}

/** The field key an error's JSON pointer names: `/body/oidEndpoint/0` → oidEndpoint, the path → name. */
function fieldKey(pointer: string): { key: string; rest: string } | null {
  if (pointer === 'path.provider' || pointer === '/path/provider') return { key: FIELD_NAME, rest: '' };
  const match = /^\/body\/([^/]+)(.*)$/.exec(pointer);
  return match === null ? null : { key: match[1] ?? '', rest: match[2] ?? '' };
}

/** The problem's messages by field; an item of a list is named (`line 2: …`). */
export function fieldErrors(error: unknown): FieldErrors {
  const errors: FieldErrors = {};
  if (!(error instanceof ProblemError)) return errors;
  for (const { field, message } of error.problem.errors ?? []) {
    const named = fieldKey(field);
    if (named === null) continue;
    const item = /^\/(\d+)/.exec(named.rest);
    const text = item === null ? message : `line ${Number(item[1]) + 1}: ${message}`;
    errors[named.key] = errors[named.key] === undefined ? text : `${errors[named.key]} ${text}`;
  }
  return errors;
}
