// One user's app password as an admin sees it: whether they have one and when it was made — never the
// password, which the service does not keep — and "Revoke app password" behind a confirmation, which
// leaves apps signing in with it refused. After a revoke the state is read again.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { getAppPassword, revokeAppPassword } from '../../../../clients/typescript/index.ts';
import { call } from '../../api.ts';
import { Loading, Notice, ProblemBox } from '../../components/ui.tsx';
import { useActionState } from '../../components/use-action-state.ts';
import { useConsole } from '../../context.ts';

export function UserAppPassword(props: {
  userId: string;
  /** Null when the user is not among the search's answers (e.g. a shared link). */
  userName: string | null;
}): JSX.Element {
  const { client } = useConsole();
  // The admin console shows a failed call as it is (see ProblemBox).
  const action = useActionState<'revoke', string>((failure) => failure);
  const { error, status: revoked, setStatus, confirming, setConfirming, busy, heading } = action;
  // undefined: not read yet; null: the user has none; else when it was made.
  const [created, setCreated] = useState<string | null | undefined>(undefined);
  const [reads, setReads] = useState(0);
  const opener = useRef<HTMLButtonElement>(null);
  const who = props.userName ?? 'this user';

  useEffect(() => {
    call(getAppPassword({ client, path: { jellyfinUserId: props.userId } }))
      .then((state) => setCreated(state.created))
      .catch(action.fail);
  }, [client, props.userId, reads]);

  const ask = (): void => {
    setStatus(null);
    setConfirming('revoke');
  };
  const cancel = (): void => {
    setConfirming(null);
    opener.current?.focus();
  };
  const revoke = (): Promise<void> =>
    action.act(
      async () => {
        await call(revokeAppPassword({ client, path: { jellyfinUserId: props.userId } }));
        setStatus(`The app password of ${who} is revoked: apps signing in with it are refused from now on.`);
      },
      () => {
        setReads((n) => n + 1);
        // The button that was pressed is gone: the focus goes to the section's heading.
        heading.current?.focus();
      },
    );

  return (
    <section aria-labelledby="user-app-password-title" class="user-app-password">
      <h2 id="user-app-password-title" tabIndex={-1} ref={heading}>
        App password
      </h2>
      {revoked === null ? null : <Notice kind="ok">{revoked}</Notice>}
      <ProblemBox error={error} />
      {created === undefined ? (
        error === null ? (
          <Loading what="the app password" />
        ) : null
      ) : created === null ? (
        <p role="status" id="app-password-state">
          No app password
        </p>
      ) : (
        <>
          <p role="status" id="app-password-state">
            App password made <time dateTime={created}>{new Date(created).toLocaleString()}</time>
          </p>
          <p class="small">
            Apps that only take a name and a password sign in as {who} with it. The password itself is shown
            only once, to {who}, and cannot be read back.
          </p>
          <button type="button" class="button-danger" ref={opener} onClick={ask}>
            Revoke app password
          </button>
        </>
      )}
      {confirming === null ? null : (
        <ConfirmRevoke who={who} busy={busy} onConfirm={() => void revoke()} onCancel={cancel} />
      )}
    </section>
  );
}

/** The confirmation step, which takes the focus so a keyboard user lands on it; Escape cancels. */
function ConfirmRevoke(props: {
  who: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}): JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => box.current?.focus(), []);
  return (
    <div
      class="card confirm-unlink"
      role="alertdialog"
      aria-labelledby="confirm-revoke-title"
      aria-describedby="confirm-revoke-text"
      tabIndex={-1}
      ref={box}
      onKeyDown={(event) => {
        if (event.key === 'Escape') props.onCancel();
      }}
    >
      <h3 id="confirm-revoke-title">Revoke the app password of {props.who}?</h3>
      <p id="confirm-revoke-text">
        Apps that sign in as {props.who} with it are refused from now on. {props.who} can make a new one on
        their account page.
      </p>
      <div class="button-row">
        <button type="button" class="button-danger" disabled={props.busy} onClick={props.onConfirm}>
          Yes, revoke
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
