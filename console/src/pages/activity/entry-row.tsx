// One sign-in attempt of the activity log as a table row; on a phone the row is stacked, each cell
// labelled by its column (data-label, see activity.css).
import type { JSX } from 'preact';
import type { ActivityEntry } from '../../../../clients/typescript/index.ts';
import { href } from '../../route.ts';
import { outcomeWords } from './filter-form.tsx';

export const COLUMNS = ['Time', 'Provider', 'User', 'Outcome', 'Step', 'Why', 'Client'] as const;

const OUTCOME_MARKS = { success: '✓', refused: '✗', failed: '!' } as const;

function Who(props: { entry: ActivityEntry }): JSX.Element {
  const { username, subject, userId, linking } = props.entry;
  const name = username ?? subject;
  return (
    <>
      {name === null ? <span class="small">unknown</span> : <span title={userId ?? undefined}>{name}</span>}
      {username !== null && subject !== null ? <span class="small block">subject {subject}</span> : null}
      {linking ? <span class="small block">linking an account</span> : null}
    </>
  );
}

/** The admin's full reason and, for a refusal or failure, the rule and the reason the user was shown. */
function Why(props: { entry: ActivityEntry }): JSX.Element {
  const { message, rule, code, reason, outcome } = props.entry;
  if (outcome === 'success') return <span class="small">{message}</span>;
  return (
    <>
      <span class="activity-message">{message}</span>
      {rule === null ? null : (
        <span class="small block">
          Rule: <code>{rule}</code>
        </span>
      )}
      {reason === null ? null : (
        <span class="small block">
          User was shown: <code>{reason}</code>
          {code !== null && code !== reason ? (
            <>
              {' '}
              (<code>{code}</code>)
            </>
          ) : null}
        </span>
      )}
    </>
  );
}

export function EntryRow(props: { entry: ActivityEntry }): JSX.Element {
  const { entry } = props;
  const [time, provider, user, outcome, step, why, client] = COLUMNS;
  return (
    <tr class={`activity-${entry.outcome}`}>
      <td data-label={time} class="nowrap">
        <time dateTime={entry.time} title={entry.time}>
          {new Date(entry.time).toLocaleString()}
        </time>
      </td>
      <td data-label={provider}>
        <a href={href(['providers', entry.protocol, entry.provider])}>{entry.provider}</a>{' '}
        <span class="small">{entry.protocol.toUpperCase()}</span>
      </td>
      <td data-label={user}>
        <Who entry={entry} />
      </td>
      <td data-label={outcome} class={`outcome-${entry.outcome} nowrap`}>
        <span aria-hidden="true">{OUTCOME_MARKS[entry.outcome]} </span>
        {outcomeWords(entry.outcome)}
      </td>
      <td data-label={step} class="nowrap">
        {entry.step}
      </td>
      <td data-label={why}>
        <Why entry={entry} />
      </td>
      <td data-label={client}>
        {entry.clientAddress}
        <span class="small block">
          request <code>{entry.requestId}</code>
        </span>
      </td>
    </tr>
  );
}
