// One user's links (both protocols): provider, the IdP account and when it was linked, with "Unlink" per
// link behind a confirmation. After an unlink the list is read again.
import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { deleteLink, listLinkDetails, type LinkDetail } from '../../../../clients/typescript/index.ts';
import { call } from '../../api.ts';
import { Loading, Notice, ProblemBox } from '../../components/ui.tsx';
import { useActionList, useActionState } from '../../components/use-action-state.ts';
import { useConsole } from '../../context.ts';
import { accountName, linkKey, unlinkPath } from '../../link-detail.ts';

const PROTOCOL_LABEL = { oidc: 'OIDC', saml: 'SAML' } as const;

export function UserLinks(props: {
  userId: string;
  /** Null when the user is not among the search's answers (e.g. a shared link). */
  userName: string | null;
  onUnlinked: () => void;
}): JSX.Element {
  const { client } = useConsole();
  // The admin console shows a failed call as it is (see ProblemBox).
  const action = useActionState<LinkDetail, string>((failure) => failure);
  const { error, status: removed, setStatus, confirming, setConfirming, busy, heading } = action;
  const list = useActionList(
    action,
    () => call(listLinkDetails({ client, path: { jellyfinUserId: props.userId } })),
    [client, props.userId],
  );
  const links = list.items;
  // The Unlink button that opened the confirmation: Cancel gives it the focus back.
  const opener = useRef<HTMLElement | null>(null);
  const who = props.userName ?? 'this user';

  const ask = (link: LinkDetail): void => {
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setStatus(null);
    setConfirming(link);
  };
  const cancel = (): void => {
    setConfirming(null);
    opener.current?.focus();
  };
  const unlink = (link: LinkDetail): Promise<void> =>
    action.act(
      async () => {
        await call(
          deleteLink({
            client,
            path: unlinkPath(link, props.userId),
          }),
        );
        setStatus(`${accountName(link)} (${link.provider}) is no longer linked to ${who}.`);
        props.onUnlinked();
      },
      () => {
        list.reread();
        // The button that was pressed is gone: the focus goes back to the top of the list.
        heading.current?.focus();
      },
    );

  return (
    <section aria-labelledby="user-links-title" class="user-links">
      <h2 id="user-links-title" tabIndex={-1} ref={heading}>
        {props.userName === null ? 'Links of the user' : `Links of ${props.userName}`}
      </h2>
      {removed === null ? null : <Notice kind="ok">{removed}</Notice>}
      <ProblemBox error={error} />
      {links === null ? (
        error === null ? (
          <Loading what="links" />
        ) : null
      ) : links.length === 0 ? (
        <p role="status">{props.userName ?? 'This user'} has no linked account.</p>
      ) : (
        <LinkTable links={links} onUnlink={ask} />
      )}
      {confirming === null ? null : (
        <ConfirmUnlink
          link={confirming}
          who={who}
          busy={busy}
          onConfirm={() => void unlink(confirming)}
          onCancel={cancel}
        />
      )}
    </section>
  );
}

function LinkTable(props: { links: LinkDetail[]; onUnlink: (link: LinkDetail) => void }): JSX.Element {
  return (
    <div class="table-wrap">
      <table class="table links-table">
        <thead>
          <tr>
            <th scope="col">Provider</th>
            <th scope="col">Account at the provider</th>
            <th scope="col">Linked</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.links.map((link) => (
            <tr key={linkKey(link)}>
              <td>
                {link.provider} <span class="protocol small">{PROTOCOL_LABEL[link.protocol]}</span>
              </td>
              <td>
                {accountName(link)}
                {accountName(link) === link.canonicalName ? null : (
                  <span class="subject small">
                    <code>{link.canonicalName}</code>
                  </span>
                )}
              </td>
              <td>
                <time dateTime={link.created}>{new Date(link.created).toLocaleString()}</time>
              </td>
              <td>
                <button
                  type="button"
                  class="button-small button-danger"
                  aria-label={`Unlink ${accountName(link)} (${link.provider})`}
                  onClick={() => props.onUnlink(link)}
                >
                  Unlink
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The confirmation step: says what will happen, and takes the focus so a keyboard user lands on it;
 * Escape cancels.
 */
function ConfirmUnlink(props: {
  link: LinkDetail;
  who: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}): JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => box.current?.focus(), []);
  const { link } = props;
  return (
    <div
      class="card confirm-unlink"
      role="alertdialog"
      aria-labelledby="confirm-unlink-title"
      aria-describedby="confirm-unlink-text"
      tabIndex={-1}
      ref={box}
      onKeyDown={(event) => {
        if (event.key === 'Escape') props.onCancel();
      }}
    >
      <h3 id="confirm-unlink-title">Unlink {accountName(link)}?</h3>
      <p id="confirm-unlink-text">
        The {link.provider} account {accountName(link)} will no longer sign in as {props.who}. Signing in with
        it again makes a new link, or a new user when the provider may create one.
      </p>
      <div class="button-row">
        <button type="button" class="button-danger" disabled={props.busy} onClick={props.onConfirm}>
          Yes, unlink
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
