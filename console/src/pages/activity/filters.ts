// The activity page's filters as they live in the URL's fragment (#/activity?provider=…&outcome=…), so a
// reload or a shared link shows the same entries, and the query `listActivity` is asked with.
import type { ActivityOutcome, ListActivityData } from '../../../../clients/typescript/index.ts';

export const OUTCOMES: readonly ActivityOutcome[] = ['success', 'refused', 'failed'];

export interface ActivityFilters {
  provider: string;
  user: string;
  outcome: ActivityOutcome | '';
  /** An ISO 8601 time, as in the URL: the same instant for whoever opens the link, wherever they are. */
  since: string;
}

/** Entries per page. */
export const PAGE_SIZE = 50;

function isOutcome(value: string): value is ActivityOutcome {
  return (OUTCOMES as readonly string[]).includes(value);
}

export function filtersOf(query: URLSearchParams): ActivityFilters {
  const outcome = query.get('outcome') ?? '';
  return {
    provider: query.get('provider') ?? '',
    user: query.get('user') ?? '',
    outcome: isOutcome(outcome) ? outcome : '',
    since: query.get('since') ?? '',
  };
}

/** The query of one page: the filters (empty ones left out) and the page's `before`. */
export function activityQuery(filters: ActivityFilters, before: string): ListActivityData['query'] {
  return {
    limit: PAGE_SIZE,
    ...(filters.provider === '' ? {} : { provider: filters.provider }),
    ...(filters.user === '' ? {} : { user: filters.user }),
    ...(filters.outcome === '' ? {} : { outcome: filters.outcome }),
    ...(filters.since === '' ? {} : { since: filters.since }),
    ...(before === '' ? {} : { before }),
  };
}

function twoDigits(value: number): string {
  return String(value).padStart(2, '0');
}

/** The value of a `datetime-local` input (the browser's local time) for an ISO time; '' if unreadable. */
export function localInputValue(iso: string): string {
  const time = new Date(iso);
  if (iso === '' || Number.isNaN(time.getTime())) return '';
  const date = `${time.getFullYear()}-${twoDigits(time.getMonth() + 1)}-${twoDigits(time.getDate())}`;
  return `${date}T${twoDigits(time.getHours())}:${twoDigits(time.getMinutes())}`;
}

/** The ISO time of a `datetime-local` input's value, read as the browser's local time; '' if empty. */
export function isoOfLocalInput(value: string): string {
  const time = new Date(value);
  return value === '' || Number.isNaN(time.getTime()) ? '' : time.toISOString();
}
