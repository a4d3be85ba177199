// Reading what a stranger got (the error page's reason and request id) and what the log kept for that
// request, so tests can check that specifics went to the log and not to the page.
import { expect } from 'vitest';

export interface ErrorPageView {
  reason: string;
  requestId: string;
}

/** The reason and request id shown at the foot of an error page. */
export function errorPageOf(html: string): ErrorPageView {
  const reason = /<code id="reason">([^<]*)<\/code>/.exec(html)?.[1];
  const requestId = /<code id="request-id">([^<]*)<\/code>/.exec(html)?.[1];
  if (reason === undefined || requestId === undefined)
    throw new Error(`not an error page: ${html.slice(0, 300)}`);
  return { reason, requestId };
}

/** The log lines (parsed) written for one request id. */
export function logLinesOf(logs: string, requestId: string): Record<string, unknown>[] {
  return logs
    .split('\n')
    .filter((line) => line.includes(requestId))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * Expects an error page with this reason whose text contains none of `hidden`, and a log line for its
 * request whose message or detail contains each of `logged`.
 */
export function expectPrivateFailure(
  page: { text: string },
  logs: string,
  expected: { reason: string; hidden?: string[]; logged?: string[] },
): ErrorPageView {
  const view = errorPageOf(page.text);
  expect(view.reason).toBe(expected.reason);
  for (const value of expected.hidden ?? []) expect(page.text).not.toContain(value);
  const lines = logLinesOf(logs, view.requestId).map(
    (line) => `${String(line['msg'])} ${String(line['detail'])}`,
  );
  for (const value of expected.logged ?? []) {
    expect(
      lines.some((line) => line.includes(value)),
      `log for ${view.requestId} mentions ${value}`,
    ).toBe(true);
  }
  return view;
}
