// Identities: the accounts at identity providers the user signs in with (their links), "Link <provider>"
// for every enabled provider not linked yet (the linking flow, which comes back to this page), and
// "Unlink <provider>" behind a confirmation. The service refuses to unlink the last way in of a user
// without a password (409 `last_way_in`); its explanation is shown as it is.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import {
  deleteLink,
  getOidcProviderNames,
  getSamlProviderNames,
  listLinkDetails,
  type LinkDetail,
} from '../../../clients/typescript/index.ts';
import { call } from '../api.ts';
import { accountName, linkKey, unlinkPath } from '../link-detail.ts';
import { basePath } from '../session.ts';
import type { AccountContext } from './context.ts';
import { ConfirmDialog, SectionOutcome, when } from './parts.tsx';
import { useSection, useSectionList } from './section.ts';

interface Provider {
  protocol: LinkDetail['protocol'];
  name: string;
}

/**
 * Where "Link <provider>" goes: the provider's start with `isLinking=true`, and `returnTo=account` so the
 * flow comes back here and names the provider (`?linked=`).
 */
function linkUrl(provider: Provider): string {
  const mode = provider.protocol === 'saml' ? 'SAML' : 'OID';
  return `${basePath()}/sso/${mode}/start/${encodeURIComponent(provider.name)}?isLinking=true&returnTo=account`;
}

async function enabledProviders(account: AccountContext): Promise<Provider[]> {
  const [oidc, saml] = await Promise.all([
    call(getOidcProviderNames({ client: account.client })),
    call(getSamlProviderNames({ client: account.client })),
  ]);
  return [
    ...oidc.map((name) => ({ protocol: 'oidc' as const, name })),
    ...saml.map((name) => ({ protocol: 'saml' as const, name })),
  ];
}

/** `linked`: the provider a linking flow just linked (the page's `?linked=`), announced once. */
export function Identities(props: { linked: string | null }): JSX.Element {
  const section = useSection<LinkDetail>();
  const { account, error, status, setStatus, confirming, setConfirming, busy, heading } = section;
  const list = useSectionList(section, () =>
    call(listLinkDetails({ client: account.client, path: { jellyfinUserId: account.userId } })),
  );
  const links = list.items;
  const [providers, setProviders] = useState<Provider[]>([]);

  useEffect(() => {
    // Set after the region is in the page, so that it is announced.
    if (props.linked !== null) setStatus({ kind: 'ok', text: `Your ${props.linked} account is now linked.` });
  }, [props.linked]);
  useEffect(() => {
    // The list of providers is public; without it the page still shows the links.
    enabledProviders(account)
      .then(setProviders)
      .catch(() => setProviders([]));
  }, [account]);

  const unlink = (link: LinkDetail): Promise<void> =>
    section.act(async () => {
      await call(
        deleteLink({
          client: account.client,
          path: unlinkPath(link, account.userId),
        }),
      );
      setStatus({
        kind: 'ok',
        text: `Your ${link.provider} account ${accountName(link)} is no longer linked.`,
      });
      list.removed();
    }, list.reread);

  const linked = new Set((links ?? []).map((link) => `${link.protocol}/${link.provider}`));
  const linkable = providers.filter((p) => !linked.has(`${p.protocol}/${p.name}`));
  return (
    <section aria-labelledby="identities-title" class="account-section">
      <h2 id="identities-title" tabIndex={-1} ref={heading}>
        Identities
      </h2>
      <p class="hint">
        The accounts you sign in with. Linking a second one gives you another way in, for example when one of
        them is unavailable.
      </p>
      <SectionOutcome status={status} error={error} loading={links === null ? 'your identities' : null} />
      {links === null ? null : links.length === 0 ? (
        <p>No sign-in account is linked to you yet.</p>
      ) : (
        <LinkTable links={links} onUnlink={setConfirming} />
      )}
      {links === null || linkable.length === 0 ? null : (
        <LinkButtons providers={linkable} repeated={repeatedNames(providers)} />
      )}
      {confirming === null ? null : (
        <ConfirmDialog
          title={`Unlink ${confirming.provider}?`}
          confirm="Unlink"
          busy={busy}
          fallback={heading}
          onConfirm={() => void unlink(confirming)}
          onCancel={() => setConfirming(null)}
        >
          <p>
            You will no longer be able to sign in with your {confirming.provider} account{' '}
            <strong>{accountName(confirming)}</strong>. You can link it again later.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

/** Provider names used by both protocols, which then need the protocol to tell them apart. */
function repeatedNames(providers: Provider[]): Set<string> {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const p of providers) (seen.has(p.name) ? repeated : seen).add(p.name);
  return repeated;
}

function LinkTable(props: { links: LinkDetail[]; onUnlink: (link: LinkDetail) => void }): JSX.Element {
  const perProvider = new Map<string, number>();
  for (const link of props.links) perProvider.set(link.provider, (perProvider.get(link.provider) ?? 0) + 1);
  return (
    <div class="table-wrap">
      <table class="table identities-table">
        <thead>
          <tr>
            <th scope="col">Provider</th>
            <th scope="col">Your account there</th>
            <th scope="col">Linked</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.links.map((link) => (
            <tr key={linkKey(link)}>
              <td data-label="Provider">{link.provider}</td>
              <td data-label="Your account there">{accountName(link)}</td>
              <td data-label="Linked">
                <time dateTime={link.created}>{when(link.created)}</time>
              </td>
              <td>
                <button
                  type="button"
                  class="button-small button-danger"
                  aria-label={
                    (perProvider.get(link.provider) ?? 0) > 1
                      ? `Unlink ${link.provider} (${accountName(link)})`
                      : `Unlink ${link.provider}`
                  }
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

/** A button per provider: it leaves for the provider's sign-in, which links the account and comes back. */
function LinkButtons(props: { providers: Provider[]; repeated: Set<string> }): JSX.Element {
  return (
    <>
      <h3>Link another account</h3>
      <p class="hint">
        You sign in at the provider, then come back here with the account linked. Use an account that is
        yours: whoever signs in with it gets into your Jellyfin.
      </p>
      <ul class="link-buttons">
        {props.providers.map((p) => (
          <li key={`${p.protocol}/${p.name}`}>
            <button type="button" onClick={() => location.assign(linkUrl(p))}>
              Link {p.name}
              {props.repeated.has(p.name) ? ` (${p.protocol === 'saml' ? 'SAML' : 'OpenID'})` : ''}
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}
