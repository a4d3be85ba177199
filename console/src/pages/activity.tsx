// Sign-in activity: the attempts newest first, filtered and paged by the URL's fragment
// (#/activity?provider=&user=&outcome=&since=&before=), and for a refusal the rule and reason that refused.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { listActivity, type ActivityPage as Page } from '../../../clients/typescript/index.ts';
import { call } from '../api.ts';
import { Loading, ProblemBox } from '../components/ui.tsx';
import { useConsole } from '../context.ts';
import { href, type Route } from '../route.ts';
import { COLUMNS, EntryRow } from './activity/entry-row.tsx';
import { FilterForm } from './activity/filter-form.tsx';
import { activityQuery, filtersOf, type ActivityFilters } from './activity/filters.ts';
import './activity/activity.css';

type Answer = { query: string; page: Page } | { query: string; error: unknown };

export function ActivityPage(props: { route: Route }): JSX.Element {
  const { client } = useConsole();
  const filters = filtersOf(props.route.query);
  const before = props.route.query.get('before') ?? '';
  const query = activityQuery(filters, before);
  const queryKey = JSON.stringify(query);
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [refreshes, setRefreshes] = useState(0);
  useEffect(() => {
    let current = true;
    call(listActivity({ client, query })).then(
      (page) => current && setAnswer({ query: queryKey, page }),
      (error: unknown) => current && setAnswer({ query: queryKey, error }),
    );
    return () => {
      current = false;
    };
    // `query` is rebuilt on every render; its JSON says when it really changed.
  }, [client, queryKey, refreshes]);
  const shown = answer !== null && answer.query === queryKey ? answer : null;
  return (
    <section aria-labelledby="activity-title" class="activity">
      <div class="activity-head">
        <h1 id="activity-title">Sign-in activity</h1>
        <button type="button" class="button-small" onClick={() => setRefreshes(refreshes + 1)}>
          Refresh
        </button>
      </div>
      <FilterForm key={props.route.query.toString()} filters={filters} />
      {shown === null ? <Loading what="activity" /> : null}
      {shown !== null && 'error' in shown ? <ProblemBox error={shown.error} /> : null}
      {shown !== null && 'page' in shown ? (
        <Entries page={shown.page} filters={filters} before={before} />
      ) : null}
    </section>
  );
}

function Entries(props: { page: Page; filters: ActivityFilters; before: string }): JSX.Element {
  const { page, filters, before } = props;
  const filtered = Object.values(filters).some((value) => value !== '');
  if (page.entries.length === 0) {
    return (
      <p class="activity-empty" role="status">
        {filtered ? 'No sign-in attempt matches these filters.' : 'No sign-in attempt yet.'}
      </p>
    );
  }
  return (
    <>
      <div class="table-wrap">
        <table class="table activity-table">
          <caption class="small">Newest first{before === '' ? '' : ', older entries'}</caption>
          <thead>
            <tr>
              {COLUMNS.map((column) => (
                <th key={column} scope="col">
                  {column}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {page.entries.map((entry) => (
              <EntryRow key={entry.id} entry={entry} />
            ))}
          </tbody>
        </table>
      </div>
      <nav class="button-row" aria-label="Pages">
        {before === '' ? null : (
          <a class="button" href={href(['activity'], { ...filters })}>
            Newest
          </a>
        )}
        {page.next === null ? null : (
          <a class="button" href={href(['activity'], { ...filters, before: page.next })}>
            Older
          </a>
        )}
      </nav>
    </>
  );
}
