// SQL statements per request and per login step, one at a time: the service child counts knex's `query`
// events (bench/servers/sso.ts, stdin command `queries`) and this side reads the count between steps.
// Used by the runner (the issue's per-step counts, on each database) and by `profile.ts queries`.
import { performance } from 'node:perf_hooks';

import type { Child } from './children.js';
import { oneLogin, type LoginStep, type LoginTarget } from './logins.js';
import type { SamlLogins } from './saml-logins.js';
import { Samples } from './stats.js';

/** Statements by kind: select, insert, update, delete, other (begin, commit, pragma…). */
export type StatementKinds = Record<string, number>;

export interface StatementRow {
  name: string;
  /** Mean statements per request or step. */
  statements: number;
  byKind: StatementKinds;
  /** Median time of the request or step, uncontended. */
  p50Ms: number;
  runs: number;
}

/** Work the service does after it replied (e.g. the avatar fetch) must land in the step that caused it. */
const SETTLE_MS = 25;

/** Reads and resets the service's statement counter. */
export function statementReader(child: Child): () => Promise<StatementKinds> {
  return async () => {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const line = child.waitForLine('QUERIES ', 10_000);
    child.send('queries');
    return JSON.parse((await line).slice('QUERIES '.length)) as StatementKinds;
  };
}

/** Sums statements and times per named step; `rows()` gives the means. */
export class StatementTally {
  private readonly totals = new Map<string, { kinds: StatementKinds; times: Samples }>();

  add(name: string, kinds: StatementKinds, ms: number): void {
    const entry = this.totals.get(name) ?? { kinds: {}, times: new Samples() };
    for (const [kind, n] of Object.entries(kinds)) entry.kinds[kind] = (entry.kinds[kind] ?? 0) + n;
    entry.times.push(ms);
    this.totals.set(name, entry);
  }

  rows(): StatementRow[] {
    return [...this.totals].map(([name, { kinds, times }]) => {
      const runs = times.count;
      const byKind = Object.fromEntries(Object.entries(kinds).map(([kind, n]) => [kind, n / runs]));
      return {
        name,
        statements: Object.values(byKind).reduce((a, b) => a + b, 0),
        byKind,
        p50Ms: times.summary().p50,
        runs,
      };
    });
  }
}

/** `runs` plain requests to `url`, each counted on its own. */
export async function countRequests(
  read: () => Promise<StatementKinds>,
  tally: StatementTally,
  name: string,
  url: string,
  runs: number,
): Promise<void> {
  await read(); // whatever ran before is not this request's
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const response = await fetch(url, { redirect: 'manual' });
    await response.arrayBuffer();
    const ms = performance.now() - t0;
    tally.add(name, await read(), ms);
  }
}

/** One login, counted step by step; `name` maps a step to its row (null: not reported). */
export async function countLogin(
  read: () => Promise<StatementKinds>,
  tally: StatementTally,
  target: LoginTarget,
  sub: string,
  name: (step: LoginStep) => string | null,
): Promise<void> {
  await read();
  let t0 = performance.now();
  await oneLogin(target, sub, null, async (step) => {
    const ms = performance.now() - t0;
    const kinds = await read();
    const row = name(step);
    if (row !== null) tally.add(row, kinds, ms);
    t0 = performance.now();
  });
}

/** The issue's rows: start, callback, Auth with a returning user, Auth with a user created by this login. */
export const LOGIN_STEP_ROWS = ['start', 'callback', 'Auth (returning user)', 'Auth (new user)'] as const;

export interface LoginAccounts {
  /** An IdP account that has signed in to this service before. */
  returningSub: string;
  /** Logins counted as the returning account. */
  runs: number;
  /** IdP accounts that never signed in to this service: one counted login each. */
  newSubs: string[];
}

/** The statements of the issue's login steps on one service. */
export async function loginStatements(
  child: Child,
  target: LoginTarget,
  { returningSub, runs, newSubs }: LoginAccounts,
): Promise<StatementRow[]> {
  const read = statementReader(child);
  const tally = new StatementTally();
  await oneLogin(target, returningSub, null); // the account exists and its session is warm
  for (let i = 0; i < runs; i++) {
    await countLogin(read, tally, target, returningSub, (step) =>
      step === 'auth' ? 'Auth (returning user)' : step === 'idp' ? null : step,
    );
  }
  for (const sub of newSubs) {
    await countLogin(read, tally, target, sub, (step) => (step === 'auth' ? 'Auth (new user)' : null));
  }
  const rows = tally.rows();
  return LOGIN_STEP_ROWS.flatMap((name) => rows.filter((row) => row.name === name));
}

/** The SAML rows: ACS and Auth of a user who signed in before, after starts made beforehand. */
export const SAML_STEP_ROWS = { acs: 'SAML ACS', auth: 'SAML Auth' } as const;

/** The statements of the SAML login's two steps: `runs` logins of worker 0's user (it signed in before). */
export async function samlStatements(child: Child, saml: SamlLogins, runs: number): Promise<StatementRow[]> {
  const read = statementReader(child);
  const tally = new StatementTally();
  const prepared = [];
  for (let i = 0; i < runs; i++) prepared.push(await saml.startOne(0));
  for (const login of prepared) {
    await read(); // the starts' statements are not the login's
    let t0 = performance.now();
    await saml.loginOnce(login, null, async (step) => {
      const ms = performance.now() - t0;
      tally.add(SAML_STEP_ROWS[step], await read(), ms);
      t0 = performance.now();
    });
  }
  return tally.rows();
}

/** `name  n  (select 1.0, insert 1.0)  p50 x ms` lines. */
export function statementLines(rows: StatementRow[]): string[] {
  return rows.map(
    (r) =>
      `  ${r.name.padEnd(22)} ${r.statements.toFixed(1).padStart(5)}  (${Object.entries(r.byKind)
        .map(([k, n]) => `${k} ${n.toFixed(1)}`)
        .join(', ')})  p50 ${r.p50Ms.toFixed(1)} ms`,
  );
}
