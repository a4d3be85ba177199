// Handler of `GET /sso/Activity` (tag `admin`): the sign-in activity log, one page at a time. It maps the
// query to the store's and the entries' dates to ISO text; the entries hold nothing secret by construction.
import type { ActivityEntry as ActivityEntryView } from '../../../generated/index.js';
import { invalidField } from '../../sso/errors.js';
import type { ActivityEntry, ActivityStore } from '../../sso/ports.js';
import { reply, type Handler } from '../handler.js';

export interface ActivityHandlerDeps {
  activity: ActivityStore;
}

const DEFAULT_LIMIT = 50;

function view({ time, ...entry }: ActivityEntry): ActivityEntryView {
  return { ...entry, time: time.toISOString() };
}

/** A `since` the spec's date-time format let through, as a Date; an impossible date names the field. */
function sinceOf(since: string | undefined): Date | undefined {
  if (since === undefined) return undefined;
  const date = new Date(since);
  if (Number.isNaN(date.getTime())) throw invalidField('since', 'must be an RFC 3339 date-time');
  return date;
}

export function listActivityHandler(deps: ActivityHandlerDeps): Handler<'listActivity'> {
  return async ({ query = {} }) => {
    const page = await deps.activity.list({
      limit: query.limit ?? DEFAULT_LIMIT,
      before: query.before,
      provider: query.provider,
      user: query.user,
      outcome: query.outcome,
      since: sinceOf(query.since),
    });
    return reply({ kind: 'json', status: 200, body: { entries: page.entries.map(view), next: page.next } });
  };
}
