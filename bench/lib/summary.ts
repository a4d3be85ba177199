// What `npm run bench` prints after a run: the cases' table, then every figure beside it (PostgreSQL vs
// SQLite, statements per step, memory, cold start, CPU and step times per login, the machine).
import { STATEMENT_GOALS } from './goals.js';
import { postgresVsSqliteLines, table, type Report } from './report.js';
import { SAML_STEP_ROWS, type StatementRow } from './statements.js';

function statementTable(report: Report): string[] {
  const databases = Object.entries(report.statements ?? {});
  if (databases.length === 0) return [];
  const steps = [...Object.keys(STATEMENT_GOALS), ...Object.values(SAML_STEP_ROWS)];
  const rows = [
    ['database', ...steps],
    ...databases.map(([database, entry]) => {
      if (!('rows' in entry)) return [database, `n/a (${entry.status}: ${entry.reason})`];
      const rows: StatementRow[] = entry.rows;
      return [
        database,
        ...steps.map((step) => rows.find((r) => r.name === step)?.statements.toFixed(1) ?? 'n/a'),
      ];
    }),
    ['goal (at most)', ...steps.map((step) => String(STATEMENT_GOALS[step] ?? '—'))],
  ];
  const widths = steps.map((step, i) => Math.max(step.length, ...rows.map((r) => (r[i + 1] ?? '').length)));
  const first = Math.max(...rows.map((r) => (r[0] ?? '').length));
  const runs = databases
    .map(([, e]) => ('rows' in e ? e.rows[0]?.runs : undefined))
    .find((n) => n !== undefined);
  return [
    `SQL statements per login step (mean of ${runs ?? '?'} logins, one at a time; knex query events; OIDC, then SAML with a returning user):`,
    ...rows.map((r) =>
      [(r[0] ?? '').padEnd(first), ...r.slice(1).map((cell, i) => cell.padStart(widths[i] ?? 0))].join('  '),
    ),
    '',
  ];
}

function memoryLines(report: Report): string[] {
  const lines = Object.entries(report.peakRss).map(
    ([name, rss]) =>
      `peak RSS [${name}, in-process server under tsx]: ${'peakMiB' in rss ? `${rss.peakMiB ?? 'n/a'} MiB` : `n/a (${rss.status}: ${rss.reason})`}`,
  );
  const fp = report.footprint;
  if (fp !== undefined) {
    lines.push(
      fp.status === 'ok' && 'note' in fp
        ? `peak RSS of the production start after every case: ${fp.peakMiB ?? 'n/a'} MiB (${fp.note})`
        : `peak RSS of the production start: n/a (${fp.status}: ${'reason' in fp ? fp.reason : '?'})`,
    );
    if (fp.status === 'ok' && 'cpuMsPerOp' in fp && fp.cpuMsPerOp !== undefined) {
      const perCase = Object.entries(fp.cpuMsPerOp).map(([name, ms]) => `${name} ${ms ?? 'n/a'}`);
      lines.push(`CPU ms per operation of the production start in those cases: ${perCase.join(', ')}`);
    }
  }
  const cs = report.coldStart as {
    status: string;
    compiled?: boolean;
    freshMedianMs?: number;
    existingMedianMs?: number;
    freshDatabaseMs?: number[];
    existingDatabaseMs?: number[];
    reason?: string;
  };
  lines.push(
    cs.status === 'ok'
      ? `cold start to first 200, ${cs.compiled === true ? 'compiled' : 'tsx, not compiled'} (median of ${cs.freshDatabaseMs?.length}): fresh database ${cs.freshMedianMs} ms [${cs.freshDatabaseMs?.join(', ')}], existing database ${cs.existingMedianMs} ms [${cs.existingDatabaseMs?.join(', ')}]`
      : `cold start: n/a (${cs.reason})`,
  );
  return lines;
}

function loginLines(report: Report): string[] {
  const lines: string[] = [];
  for (const c of report.cases.filter(
    (x) => x.unit === 'logins/s' && x.status === 'ok' && x.cpuMsPerOp !== undefined,
  )) {
    const parts = Object.entries(c.cpuMsPerOp ?? {}).map(
      ([name, ms]) => `${name} ${ms === null ? 'n/a' : ms.toFixed(1)}`,
    );
    lines.push(`CPU ms per login [${c.id}]: ${parts.join(', ')}`);
  }
  for (const [who, steps] of Object.entries(report.loginSteps)) {
    const parts = Object.entries(steps as Record<string, { p50Ms: number; p99Ms: number }>).map(
      ([step, s]) => `${step} ${s.p50Ms.toFixed(1)}/${s.p99Ms.toFixed(1)}`,
    );
    lines.push(`login steps, p50/p99 ms [${who}]: ${parts.join(', ')}`);
  }
  return lines;
}

export function summaryLines(report: Report): string[] {
  const { cases, machine: info } = report;
  const out: string[] = ['', table(cases), ''];
  if (cases.some((c) => c.role === 'detail'))
    out.push("detail (not in the issue's table):", table(cases, ['detail']), '');
  const vsSqlite = postgresVsSqliteLines(cases);
  if (vsSqlite.length > 0) {
    const durability = report.postgres?.durable === true ? 'fsync on' : 'fsync OFF';
    out.push(`PostgreSQL (${durability}) vs SQLite, same case, same run:`, ...vsSqlite, '');
  }
  out.push(...statementTable(report), ...memoryLines(report), ...loginLines(report));
  out.push(
    `machine: ${info.cores} cores, ${info.cpuModel}, ${info.memoryGiB} GiB, Node ${info.node}, ${info.os}; 1-min load ${info.loadAverageAtStart} → ${info.loadAverageAtEnd}, CPU pressure ${info.cpuPressureAtStart ?? 'n/a'}% → ${info.cpuPressureAtEnd ?? 'n/a'}%; ${report.date}; ${report.durationSeconds} s`,
  );
  return out;
}
