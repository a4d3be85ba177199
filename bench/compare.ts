// Spread between two bench runs: per case, the rate and ratio of each run and how far apart they are.
//   node --import tsx bench/compare.ts [a.json] [b.json]     (default: results/previous.json results/latest.json)
// Prints a Markdown table (the one in bench/README.md comes from here).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO_ROOT } from './lib/children.js';
import { ratioText, type CaseResult, type Report } from './lib/report.js';

const [aPath, bPath] = [
  process.argv[2] ?? join(REPO_ROOT, 'bench/results/previous.json'),
  process.argv[3] ?? join(REPO_ROOT, 'bench/results/latest.json'),
];
const a = JSON.parse(readFileSync(aPath, 'utf8')) as Report;
const b = JSON.parse(readFileSync(bPath, 'utf8')) as Report;

const fmt = (value: number | undefined, digits = 0): string =>
  value === undefined || !Number.isFinite(value)
    ? 'n/a'
    : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const rate = (c: CaseResult | undefined): string =>
  c?.status !== 'ok' ? 'n/a' : fmt(c.rate, (c.rate ?? 0) >= 100 ? 0 : 1);
const ratio = (c: CaseResult | undefined): string => {
  const values = Object.values(c?.ratios ?? {});
  return values.length === 0 ? '—' : values.map((v) => ratioText(v)).join(' / ');
};
const cpu = (c: CaseResult | undefined): string =>
  c?.serverCpuMsPerOp === undefined || c.serverCpuMsPerOp === null ? 'n/a' : fmt(c.serverCpuMsPerOp, 2);
/** Half the distance between two values, relative to their mean: "± x %". */
const spread = (x: number | undefined, y: number | undefined): string =>
  x === undefined || y === undefined || x + y === 0
    ? 'n/a'
    : `±${fmt((100 * Math.abs(x - y)) / (x + y), 0)} %`;

const lines = [
  `runs: A = ${a.date} (load ${a.machine.loadAverageAtStart}), B = ${b.date} (load ${b.machine.loadAverageAtStart})`,
  '',
  '| case | unit | A rate | B rate | rate spread | A p50 ms | B p50 ms | A CPU ms/op | B CPU ms/op | A ratio | B ratio |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
];
for (const caseB of b.cases) {
  const caseA = a.cases.find((c) => c.id === caseB.id);
  lines.push(
    `| ${caseB.role === 'baseline' ? '└ ' : ''}${caseB.label} | ${caseB.unit} | ${rate(caseA)} | ${rate(caseB)} | ${spread(caseA?.rate, caseB.rate)} | ${fmt(caseA?.p50Ms, 1)} | ${fmt(caseB.p50Ms, 1)} | ${cpu(caseA)} | ${cpu(caseB)} | ${ratio(caseA)} | ${ratio(caseB)} |`,
  );
}
process.stdout.write(`${lines.join('\n')}\n`);
