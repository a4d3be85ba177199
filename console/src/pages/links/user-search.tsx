// The Links page's user search: a labelled search box (its text kept in the route) and the matching users,
// each a link that opens their links.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { searchUsers, type UserSummary } from '../../../../clients/typescript/index.ts';
import { call } from '../../api.ts';
import { Field, Loading, ProblemBox } from '../../components/ui.tsx';
import { useConsole } from '../../context.ts';
import { href, navigate } from '../../route.ts';

/** The most users one search shows; more means the admin should type more of the name. */
const LIMIT = 20;

export function UserSearch(props: {
  search: string;
  selectedId: string | null;
  /** Changes when a link was removed, so the counts are read again. */
  changes: number;
  onFound: (users: UserSummary[]) => void;
}): JSX.Element {
  const { client } = useConsole();
  const [text, setText] = useState(props.search);
  // The users found, with the search they answer: the table never shows one search's users under another.
  const [answer, setAnswer] = useState<{ search: string; users: UserSummary[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const { search, onFound } = props;
  // Back and forward change the route's search: the box follows it.
  useEffect(() => setText(search), [search]);

  useEffect(() => {
    setError(null);
    const query = search.trim() === '' ? { limit: LIMIT } : { search: search.trim(), limit: LIMIT };
    // An answer to an earlier search that arrives late must not replace this one's.
    let current = true;
    call(searchUsers({ client, query }))
      .then(({ users }) => {
        if (!current) return;
        setAnswer({ search, users });
        onFound(users);
      })
      .catch((failure: unknown) => current && setError(failure));
    return () => {
      current = false;
    };
  }, [client, search, props.changes, onFound]);

  const submit = (event: Event): void => {
    event.preventDefault();
    setAnswer(null);
    navigate(['links'], { search: text.trim() });
  };

  return (
    <div class="user-search">
      <form role="search" class="user-search-form" onSubmit={submit}>
        <Field label="Find a user" hint="Any part of the name, in any letter case.">
          {({ id, describedBy }) => (
            <input
              id={id}
              type="search"
              name="search"
              maxLength={256}
              autoComplete="off"
              value={text}
              aria-describedby={describedBy}
              onInput={(e) => setText(e.currentTarget.value)}
            />
          )}
        </Field>
        <button type="submit" class="button-primary">
          Search
        </button>
      </form>
      <ProblemBox error={error} />
      {answer === null ? (
        error === null ? (
          <Loading what="users" />
        ) : null
      ) : (
        <UserTable users={answer.users} search={answer.search} selectedId={props.selectedId} />
      )}
    </div>
  );
}

function UserTable(props: { users: UserSummary[]; search: string; selectedId: string | null }): JSX.Element {
  if (props.users.length === 0) {
    return <p role="status">No user has “{props.search}” in their name.</p>;
  }
  return (
    <>
      <div class="table-wrap">
        <table class="table users-table">
          <caption class="small">
            {props.search === '' ? 'Users' : `Users whose name contains “${props.search}”`}
          </caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Links</th>
            </tr>
          </thead>
          <tbody>
            {props.users.map((user) => (
              <UserRow
                key={user.id}
                user={user}
                search={props.search}
                selected={user.id === props.selectedId}
              />
            ))}
          </tbody>
        </table>
      </div>
      {props.users.length === LIMIT ? (
        <p class="small">Only the first {LIMIT} users are shown: type more of the name.</p>
      ) : null}
    </>
  );
}

function UserRow(props: { user: UserSummary; search: string; selected: boolean }): JSX.Element {
  const { user } = props;
  return (
    <tr class={props.selected ? 'selected' : undefined}>
      <td>
        <a
          href={href(['links'], { search: props.search, user: user.id })}
          aria-current={props.selected ? 'true' : undefined}
        >
          {user.name}
        </a>
      </td>
      <td>{user.isAdministrator ? 'Administrator' : 'User'}</td>
      <td>{user.links}</td>
    </tr>
  );
}
