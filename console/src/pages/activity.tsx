// Sign-in activity: the newest attempts with their outcome and, for a refusal, why.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { listActivity, type ActivityPage as Page } from '../../../clients/typescript/index.ts';
import { call } from '../api.ts';
import { Loading, ProblemBox } from '../components/ui.tsx';
import { useConsole } from '../context.ts';
import type { Route } from '../route.ts';

export function ActivityPage(_props: { route: Route }): JSX.Element {
  const { client } = useConsole();
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    call(listActivity({ client, query: { limit: 50 } }))
      .then(setPage)
      .catch(setError);
  }, [client]);
  return (
    <section aria-labelledby="activity-title">
      <h1 id="activity-title">Sign-in activity</h1>
      <ProblemBox error={error} />
      {page === null ? (
        error === null ? (
          <Loading what="activity" />
        ) : null
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Provider</th>
              <th scope="col">User</th>
              <th scope="col">Outcome</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {page.entries.map((e) => (
              <tr key={e.id}>
                <td>{new Date(e.time).toLocaleString()}</td>
                <td>{e.provider}</td>
                <td>{e.username ?? e.subject ?? ''}</td>
                <td>{e.outcome}</td>
                <td>{e.message ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
