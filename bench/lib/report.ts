// The result model, the stdout table and the JSON file.
import type { Machine } from './machine.js';
import type { GoalResult } from './goals.js';
import type { StatementRow } from './statements.js';

export type Status = 'ok' | 'skipped' | 'failed';

export interface CaseResult {
  id: string;
  label: string;
  /** Name used in the baseline column of the cases compared to this one. */
  short?: string;
  unit: 'req/s' | 'logins/s' | 'verifications/s';
  /** `baseline` rows are measured only to be compared against; `detail` rows are extra (not in the table). */
  role: 'case' | 'baseline' | 'detail';
  status: Status;
  /** Why the row is skipped or failed. */
  reason?: string;
  rate?: number;
  p50Ms?: number;
  p99Ms?: number;
  count?: number;
  seconds?: number;
  errors?: number;
  firstError?: string;
  statuses?: Record<string, number>;
  /** Ids of the baselines this case is compared to; ratio = rate / baseline rate. */
  baselines?: string[];
  ratios?: Record<string, number | null>;
  /** 1-minute load average when the case's group started. */
  load1?: number;
  /** CPU pressure (PSI some avg10, %) when the case's group started: > 0 means something else wanted the CPUs. */
  cpuPressureSome10s?: number;
  /** Slices the measured time was split into, alternating with the other members of the group. */
  rounds?: number;
  /** CPU time (user + system, all threads) the server process used per successful operation, in ms. */
  serverCpuMsPerOp?: number | null;
  /** The same for every process involved (server, IdP, the load generator itself). */
  cpuMsPerOp?: Record<string, number | null>;
  note?: string;
  extra?: Record<string, unknown>;
  /** PostgreSQL rows only: rate ÷ the rate of the same case on SQLite (id `…-pg` vs `…-sqlite`). */
  vsSqlite?: number | null;
}

export interface Report {
  schema: 1;
  date: string;
  mode: 'full' | 'quick';
  machine: Machine & { loadAverageAtEnd?: number; cpuPressureAtEnd?: number | null };
  settings: Record<string, unknown>;
  cases: CaseResult[];
  peakRss: Record<string, { peakMiB: number | null; note: string } | { status: Status; reason: string }>;
  coldStart: Record<string, unknown>;
  loginSteps: Record<string, unknown>;
  /** The production start (compiled when built) on SQLite after it went through every case once. */
  footprint?:
    | {
        status: 'ok';
        peakMiB: number | null;
        compiled: boolean;
        /** CPU ms per successful operation of each case, in the production start (null: not readable). */
        cpuMsPerOp?: Record<string, number | null>;
        note: string;
      }
    | { status: Status; reason: string; peakMiB?: undefined };
  /** SQL statements per OIDC login step by database (`sqlite`, `postgresql`), one login at a time. */
  statements?: Record<string, { status: 'ok'; rows: StatementRow[] } | { status: Status; reason: string }>;
  /** The goals of issue #14, met or missed in this run. */
  goals?: GoalResult[];
  /** The PostgreSQL server's durability settings as read back (`SHOW`), when PostgreSQL ran. */
  postgres?: { durability: Record<string, string>; durable: boolean };
  notes: string[];
  durationSeconds?: number;
}

export function computeRatios(cases: CaseResult[]): void {
  const byId = new Map(cases.map((c) => [c.id, c]));
  for (const c of cases) {
    if (c.baselines === undefined) continue;
    c.ratios = {};
    for (const id of c.baselines) {
      const base = byId.get(id);
      c.ratios[id] =
        c.status === 'ok' && base?.status === 'ok' && c.rate !== undefined && base.rate
          ? c.rate / base.rate
          : null;
    }
  }
}

/** For every `…-pg` case with a `…-sqlite` twin: its rate ÷ the twin's rate, in `vsSqlite`. */
export function computePostgresVsSqlite(cases: CaseResult[]): void {
  const byId = new Map(cases.map((c) => [c.id, c]));
  for (const c of cases) {
    if (!c.id.endsWith('-pg')) continue;
    const twin = byId.get(`${c.id.slice(0, -'-pg'.length)}-sqlite`);
    if (twin === undefined) continue;
    c.vsSqlite = c.status === 'ok' && twin.status === 'ok' && c.rate && twin.rate ? c.rate / twin.rate : null;
  }
}

/** One line per PostgreSQL case: its rate against the same case on SQLite. */
export function postgresVsSqliteLines(cases: CaseResult[]): string[] {
  const rows = cases.filter((c) => c.vsSqlite !== undefined);
  const width = Math.max(0, ...rows.map((c) => c.label.length));
  return rows.map((c) => `  ${c.label.padEnd(width)}  ${ratioText(c.vsSqlite).padStart(7)} of SQLite`);
}

function num(value: number | undefined, digits: number): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function rateText(value: number | undefined): string {
  if (value === undefined) return '—';
  return num(value, value >= 100 ? 0 : 1);
}

/** Two significant digits below 1 (0.019×, 0.25×), two decimals above. */
export function ratioText(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return 'n/a';
  return `${ratio < 1 ? ratio.toPrecision(2) : ratio.toFixed(2)}×`;
}

function msText(value: number | undefined): string {
  if (value === undefined) return '—';
  return num(value, value >= 100 ? 0 : value >= 10 ? 1 : 2);
}

/** The table of `cases` whose role is in `roles` (ratios may refer to any case). */
export function table(all: CaseResult[], roles: CaseResult['role'][] = ['case', 'baseline']): string {
  const byId = new Map(all.map((c) => [c.id, c]));
  const cases = all.filter((c) => roles.includes(c.role));
  const header = ['case', 'rate', 'unit', 'p50 ms', 'p99 ms', 'CPU ms/op', 'errors', 'baseline', 'ratio'];
  const rows: string[][] = [header];
  for (const c of cases) {
    const label = c.role === 'baseline' ? `  └ ${c.label}` : c.label;
    if (c.status !== 'ok') {
      rows.push([label, `n/a (${c.status}: ${c.reason ?? '?'})`, '', '', '', '', '', '', '']);
      continue;
    }
    const baselineNames = (c.baselines ?? []).map((id) => byId.get(id)?.short ?? byId.get(id)?.label ?? id);
    const ratios = (c.baselines ?? []).map((id) => ratioText(c.ratios?.[id]));
    rows.push([
      label,
      rateText(c.rate),
      c.unit,
      msText(c.p50Ms),
      msText(c.p99Ms),
      c.serverCpuMsPerOp === undefined || c.serverCpuMsPerOp === null ? '—' : msText(c.serverCpuMsPerOp),
      String(c.errors ?? 0),
      c.role === 'baseline' ? '' : baselineNames.length === 0 ? '— (absolute)' : baselineNames.join(' | '),
      ratios.join(' | '),
    ]);
  }
  const widths = header.map((_, i) =>
    Math.max(...rows.filter((r) => r.length > 2 && r[2] !== '').map((r) => (r[i] ?? '').length)),
  );
  const numeric = new Set([1, 3, 4, 5, 6]);
  return rows
    .map((row) => {
      if (row[2] === '' && row !== header) return `${(row[0] ?? '').padEnd(widths[0] ?? 0)}  ${row[1] ?? ''}`;
      return row
        .map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd();
    })
    .join('\n');
}
