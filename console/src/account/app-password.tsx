// App password: for apps that only take a user name and a password. Shows whether the user has one (and
// since when), makes a new one (shown once, with a copy button and what to type where), and revokes it
// behind a confirmation. The service keeps only when it was made; the password lives in this page's
// memory until the user closes the panel or leaves.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  createAppPassword,
  getAppPassword,
  revokeAppPassword,
  type NewAppPassword,
} from '../../../clients/typescript/index.ts';
import { call, ProblemError } from '../api.ts';
import { basePath } from '../session.ts';
import { sectionError, type AccountContext } from './context.ts';
import { ConfirmDialog, LiveStatus, SectionOutcome, when, type Status } from './parts.tsx';
import { useSection } from './section.ts';

export function AppPassword(): JSX.Element {
  const section = useSection<'revoke'>();
  const { account, error, status, setStatus, confirming, setConfirming, busy, heading } = section;
  // undefined while loading; null when the user has none.
  const [created, setCreated] = useState<string | null | undefined>(undefined);
  const [fresh, setFresh] = useState<NewAppPassword | null>(null);
  // Jellyfin ends the user's sessions when their password changes, this browser's too.
  const [sessionEnded, setSessionEnded] = useState(false);

  useEffect(() => {
    call(getAppPassword({ client: account.client, path: { jellyfinUserId: account.userId } }))
      .then((state) => setCreated(state.created))
      .catch((failure: unknown) => section.setError(sectionError(failure, account)));
  }, [account]);

  const create = (): Promise<void> =>
    section.act(async () => {
      const made = await call(
        createAppPassword({ client: account.client, path: { jellyfinUserId: account.userId } }),
      );
      setFresh(made);
      setCreated(made.created);
      // Said beside the password rather than by the sign-in page, which would hide it.
      setSessionEnded(!(await stillSignedIn(account)));
    });
  const revoke = (): Promise<void> =>
    section.act(async () => {
      await call(revokeAppPassword({ client: account.client, path: { jellyfinUserId: account.userId } }));
      setFresh(null);
      setCreated(null);
      setStatus({ kind: 'ok', text: 'Your app password is revoked: apps using it can no longer sign in.' });
    });

  return (
    <section aria-labelledby="app-password-title" class="account-section">
      <h2 id="app-password-title" tabIndex={-1} ref={heading}>
        App password
      </h2>
      <p>
        Some apps cannot sign in through your identity provider: they only ask for a user name and a password.
        Music apps (such as Finamp), Jellyseerr and sync tools are like that. An app password lets them sign
        in as you without giving them your provider password.
      </p>
      <SectionOutcome
        status={status}
        error={error}
        loading={created === undefined ? 'your app password' : null}
      />
      {created === undefined ? null : (
        <>
          <p class="app-password-state">
            {created === null ? (
              'You have no app password.'
            ) : (
              <>
                You have an app password, made <time dateTime={created}>{when(created)}</time>.
              </>
            )}
          </p>
          {fresh === null ? null : (
            <NewPassword
              made={fresh}
              sessionEnded={sessionEnded}
              onDone={() => {
                if (sessionEnded) return account.onExpired();
                setFresh(null);
                heading.current?.focus();
              }}
            />
          )}
          <div class={sessionEnded ? 'hidden' : 'button-row'}>
            <button type="button" class="button-primary" disabled={busy} onClick={() => void create()}>
              Create an app password
            </button>
            {created === null ? null : (
              <button
                type="button"
                class="button-danger"
                disabled={busy}
                onClick={() => setConfirming('revoke')}
              >
                Revoke app password
              </button>
            )}
          </div>
          <p class="hint">
            A new app password replaces the old one: apps using the old one must be given the new one. With
            some servers, making or revoking one also signs you out of Jellyfin on your devices, this one
            included: then sign in again.
          </p>
        </>
      )}
      {confirming === null ? null : (
        <ConfirmDialog
          title="Revoke your app password?"
          confirm="Revoke"
          busy={busy}
          fallback={heading}
          onConfirm={() => void revoke()}
          onCancel={() => setConfirming(null)}
        >
          <p>
            Apps that sign in with it will stop working until you make a new one and type it into them. You
            keep signing in here through your identity provider as before.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

/** Whether this browser's session survived the password change (401: it did not). */
async function stillSignedIn(account: AccountContext): Promise<boolean> {
  try {
    await call(getAppPassword({ client: account.client, path: { jellyfinUserId: account.userId } }));
    return true;
  } catch (failure) {
    return !(failure instanceof ProblemError && failure.status === 401);
  }
}

/**
 * The password just made, shown this once, with a copy button and what to type where. It takes the focus
 * so a screen reader reads it at once.
 */
function NewPassword(props: {
  made: NewAppPassword;
  sessionEnded: boolean;
  onDone: () => void;
}): JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  const value = useRef<HTMLElement>(null);
  const [copied, setCopied] = useState<Status | null>(null);
  useEffect(() => box.current?.focus(), [props.made]);
  const server = location.origin + basePath();
  const copy = (): void => {
    const done = (): void => setCopied({ kind: 'ok', text: 'Copied. Paste it into your app now.' });
    const manual = (): void => {
      // No clipboard here (an old browser, or permission refused): select it for Ctrl+C instead.
      if (value.current !== null) getSelection()?.selectAllChildren(value.current);
      setCopied({ kind: 'info', text: 'The password is selected: press Ctrl+C (or ⌘C) to copy it.' });
    };
    if (typeof navigator.clipboard?.writeText !== 'function') return manual();
    navigator.clipboard.writeText(props.made.password).then(done, manual);
  };
  return (
    <div class="new-password" role="group" tabIndex={-1} ref={box} aria-labelledby="new-password-title">
      <h3 id="new-password-title">Your new password</h3>
      <p>
        <strong>Copy it now: it is shown only this once.</strong> If you lose it, create a new one.
      </p>
      <div class="password-line">
        <code id="app-password-value" ref={value}>
          {props.made.password}
        </code>
        <button type="button" class="button-small" onClick={copy}>
          Copy
        </button>
      </div>
      <LiveStatus status={copied} />
      {props.sessionEnded ? (
        <p class="notice notice-warn">
          Your server signed you out everywhere when the password changed, in this browser too. Save the
          password first, then sign in again.
        </p>
      ) : null}
      <p>In the app, choose to sign in with a user name and password, and type:</p>
      <dl class="sign-in-values">
        <dt>Server address</dt>
        <dd>
          <code>{server}</code>
        </dd>
        <dt>User name</dt>
        <dd>
          <code>{props.made.username}</code>
        </dd>
        <dt>Password</dt>
        <dd>this app password</dd>
      </dl>
      <button type="button" onClick={props.onDone}>
        {props.sessionEnded ? 'I have saved it: sign in again' : 'I have saved it'}
      </button>
    </div>
  );
}
