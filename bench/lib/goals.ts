// The goals of issue #14, read from one run's report (met / missed / n/a), and each ratio of a run against
// the run before it (`npm run bench -- --compare`). Printed only: a missed goal never fails the run.
import { ratioText, type CaseResult, type Report } from './report.js';
import type { StatementRow } from './statements.js';

export type GoalStatus = 'met' | 'missed' | 'n/a';

export interface GoalResult {
  goal: string;
  measured: string;
  status: GoalStatus;
}

/** The statement-count goals per OIDC login step (at most). */
export const STATEMENT_GOALS: Record<string, number> = {
  start: 1,
  callback: 2,
  'Auth (returning user)': 4,
  'Auth (new user)': 8,
};

const DATABASES = [
  ['sqlite', 'SQLite'],
  ['pg', 'PostgreSQL'],
] as const;

function verdict(value: number | null | undefined, ok: (v: number) => boolean): GoalStatus {
  return value === null || value === undefined || !Number.isFinite(value)
    ? 'n/a'
    : ok(value)
      ? 'met'
      : 'missed';
}

function ratioGoals(cases: CaseResult[], prefix: string, baseline: string, what: string, least: number) {
  return DATABASES.map(([suffix, database]): GoalResult => {
    const ratio = cases.find((c) => c.id === `${prefix}-${suffix}`)?.ratios?.[baseline];
    return {
      goal: `${what} [${database}] ≥ ${least}×`,
      measured: ratioText(ratio),
      status: verdict(ratio, (v) => v >= least),
    };
  });
}

function statementGoals(report: Report): GoalResult[] {
  const goal = Object.entries(STATEMENT_GOALS)
    .map(([, most], i) => (i === 0 ? `${most}` : `≤ ${most}`))
    .join(' / ');
  return DATABASES.map(([, database]): GoalResult => {
    const entry = report.statements?.[database === 'SQLite' ? 'sqlite' : 'postgresql'];
    const rows: StatementRow[] = entry?.status === 'ok' && 'rows' in entry ? entry.rows : [];
    const values = Object.keys(STATEMENT_GOALS).map((name) => rows.find((r) => r.name === name)?.statements);
    const known = values.every((v) => v !== undefined);
    return {
      goal: `SQL statements start / callback / Auth returning / Auth new [${database}]: ${goal}`,
      measured: known ? values.map((v) => (v ?? 0).toFixed(1)).join(' / ') : 'n/a',
      status: !known
        ? 'n/a'
        : Object.values(STATEMENT_GOALS).every((most, i) => (values[i] ?? Infinity) <= most)
          ? 'met'
          : 'missed',
    };
  });
}

function footprintGoals(report: Report): GoalResult[] {
  const peak = report.footprint?.peakMiB;
  const cold = report.coldStart as { freshMedianMs?: number; existingMedianMs?: number };
  const slowest =
    cold.freshMedianMs === undefined || cold.existingMedianMs === undefined
      ? null
      : Math.max(cold.freshMedianMs, cold.existingMedianMs);
  return [
    {
      goal: 'peak RSS of the service (production start) after the whole bench ≤ 150 MiB',
      measured: peak === null || peak === undefined ? 'n/a' : `${peak} MiB`,
      status: verdict(peak, (v) => v <= 150),
    },
    {
      goal: 'cold start, spawn → first 200 on GetNames, fresh and existing database ≤ 1 s',
      measured: slowest === null ? 'n/a' : `${cold.freshMedianMs} / ${cold.existingMedianMs} ms`,
      status: verdict(slowest, (v) => v <= 1000),
    },
  ];
}

/** `start [PostgreSQL, PAR off]` → `start [PAR off]`, `GetNames [PostgreSQL]` → `GetNames`. */
function withoutDatabase(label: string): string {
  return label.replace(' [PostgreSQL]', '').replace('[PostgreSQL, ', '[');
}

export function evaluateGoals(report: Report): GoalResult[] {
  const { cases } = report;
  return [
    ...ratioGoals(cases, 'getnames', 'getnames-express', 'GetNames vs bare express 5, same bytes', 0.9),
    ...ratioGoals(cases, 'start', 'start-express', 'start (PAR off) vs bare express 5, same 302', 0.5),
    ...ratioGoals(cases, 'login', 'login-openid-client', 'full OIDC login vs openid-client alone', 0.8),
    ...DATABASES.map(([suffix, database]): GoalResult => {
      const cpu = cases.find((c) => c.id === `login-${suffix}`)?.serverCpuMsPerOp;
      return {
        goal: `full OIDC login, service CPU per login [${database}] ≤ 5 ms`,
        measured: cpu === null || cpu === undefined ? 'n/a' : `${cpu.toFixed(1)} ms`,
        status: verdict(cpu, (v) => v <= 5),
      };
    }),
    ...ratioGoals(cases, 'saml-login', 'saml-xml-crypto', 'full SAML login vs xml-crypto alone', 0.5),
    ...statementGoals(report),
    ...cases
      .filter((c) => c.vsSqlite !== undefined)
      .map((c): GoalResult => ({
        goal: `PostgreSQL vs SQLite: ${withoutDatabase(c.label)} ≥ 0.7×`,
        measured: ratioText(c.vsSqlite),
        status: verdict(c.vsSqlite, (v) => v >= 0.7),
      })),
    ...footprintGoals(report),
  ];
}

export function goalLines(goals: GoalResult[]): string[] {
  const width = Math.max(...goals.map((g) => g.goal.length));
  const met = goals.filter((g) => g.status === 'met').length;
  return [
    `goals of issue #14 (${met} of ${goals.length} met; never a failure of the run):`,
    ...goals.map((g) => `  ${g.status.padEnd(6)}  ${g.goal.padEnd(width)}  ${g.measured}`),
  ];
}

/** Each ratio of `now` (to a baseline, and PostgreSQL vs SQLite) next to the same ratio in `before`. */
export function comparisonLines(now: Report, before: Report | null, beforeName: string): string[] {
  if (before === null) return [`--compare: no earlier run in ${beforeName}`];
  const earlier = new Map(before.cases.map((c) => [c.id, c]));
  const rows: string[][] = [];
  for (const c of now.cases) {
    const old = earlier.get(c.id);
    for (const [baseline, ratio] of Object.entries(c.ratios ?? {})) {
      const name = now.cases.find((b) => b.id === baseline)?.short ?? baseline;
      rows.push([`${c.label} vs ${name}`, ratioText(old?.ratios?.[baseline]), ratioText(ratio)]);
    }
    if (c.vsSqlite !== undefined)
      rows.push([`${c.label} vs SQLite`, ratioText(old?.vsSqlite), ratioText(c.vsSqlite)]);
  }
  const width = Math.max(...rows.map((r) => (r[0] ?? '').length));
  return [
    `ratios, previous run (${before.date}, ${before.mode}) → this run:`,
    ...rows.map(
      ([label, was, is]) => `  ${(label ?? '').padEnd(width)}  ${(was ?? '').padStart(7)} → ${is ?? ''}`,
    ),
  ];
}
