// The answer of a Preview as an admin reads it: allowed or refused (with the rule that refused), the
// account and username a sign-in would use, the roles and where they were read, and the rights it gives.
import type { JSX } from 'preact';
import type {
  PreviewAccess,
  PreviewAccount,
  PreviewRefusal,
  SignInPreview,
} from '../../../../clients/typescript/index.ts';
import { Notice } from '../../components/ui.tsx';

/** Library id → name, for the folders a user would see. */
export type LibraryNames = ReadonlyMap<string, string>;

/** Library ids come with or without hyphens, in either case. */
export function libraryKey(id: string): string {
  return id.replaceAll('-', '').toLowerCase();
}

function Fact(props: { term: string; children: JSX.Element | string }): JSX.Element {
  return (
    <div class="fact">
      <dt>{props.term}</dt>
      <dd>{props.children}</dd>
    </div>
  );
}

/** A right of the policy: null means the sign-in does not write it and the media server's default applies. */
function right(value: boolean | null): string {
  if (value === null) return 'Server default';
  return value ? 'Yes' : 'No';
}

const ACCOUNT_WORDS = {
  existing: 'Existing user, linked to this identity',
  adopt: 'Existing user, taken over by e-mail address',
  create: 'New account',
} as const;

function accountWords(account: PreviewAccount): string {
  const taken = account.nameTakenBy === null ? '' : ` ("${account.desiredUsername}" is taken)`;
  return `${ACCOUNT_WORDS[account.action]}${taken}`;
}

function Headline(props: { preview: SignInPreview }): JSX.Element {
  const { allowed, refusal, account } = props.preview;
  if (allowed && account !== null) {
    return (
      <Notice kind="ok">
        <strong>Allowed.</strong> The sign-in would use{' '}
        {account.action === 'create' ? 'a new account' : 'the user'} <strong>{account.username}</strong>.
      </Notice>
    );
  }
  return (
    <Notice kind="error">
      <strong>Refused</strong> at step {refusal?.step ?? 'unknown'}: {refusal?.summary ?? 'no reason given'}
    </Notice>
  );
}

function RefusalFacts(props: { refusal: PreviewRefusal }): JSX.Element {
  const { refusal } = props;
  return (
    <>
      <Fact term="Rule">
        <code>{refusal.rule}</code>
      </Fact>
      <Fact term="Why">{refusal.message}</Fact>
      <Fact term="User would be shown">
        <code>{refusal.reason}</code>
      </Fact>
    </>
  );
}

function AccountFacts(props: { account: PreviewAccount }): JSX.Element {
  const { account } = props;
  const proposed = account.proposedUsername ?? '(nothing)';
  return (
    <>
      <Fact term="Username">{account.username}</Fact>
      <Fact term="Account">{accountWords(account)}</Fact>
      <Fact term="Name proposed">{`${proposed}, from ${account.usernameSource}`}</Fact>
    </>
  );
}

function RoleFacts(props: { preview: SignInPreview }): JSX.Element {
  const { roles, roleSource } = props.preview;
  const where = roleSource.kind === 'claim' ? 'claim' : 'attribute';
  const source =
    roleSource.name === null
      ? 'The provider reads no roles.'
      : `Read from the ${where} "${roleSource.name}"${roleSource.present ? '' : ', which is not there'}.`;
  return (
    <Fact term="Roles">
      <>
        {roles.length === 0 ? 'None' : roles.join(', ')}
        <span class="small block">{source}</span>
      </>
    </Fact>
  );
}

function folderWords(access: PreviewAccess, libraries: LibraryNames): string {
  if (access.enableAllFolders === true) return 'All libraries';
  if (access.folders === null) return access.enableAllFolders === null ? 'Server default' : 'None';
  if (access.folders.length === 0) return 'None';
  return access.folders.map((id) => libraries.get(libraryKey(id)) ?? id).join(', ');
}

function AccessFacts(props: { access: PreviewAccess; libraries: LibraryNames }): JSX.Element {
  const { access } = props;
  return (
    <>
      <Fact term="Administrator">{right(access.isAdmin)}</Fact>
      <Fact term="Libraries">{folderWords(access, props.libraries)}</Fact>
      <Fact term="Live TV">{right(access.enableLiveTv)}</Fact>
      <Fact term="Live TV management">{right(access.enableLiveTvManagement)}</Fact>
      <Fact term="Downloads">{right(access.enableContentDownloading)}</Fact>
    </>
  );
}

export function PreviewDecision(props: { preview: SignInPreview; libraries: LibraryNames }): JSX.Element {
  const { preview } = props;
  return (
    <section aria-labelledby="decision-title" class="decision">
      <h2 id="decision-title">Decision</h2>
      {preview.providerEnabled ? null : (
        <Notice kind="warn">
          This provider is disabled: every sign-in is refused until it is enabled. Below is the decision once
          it is.
        </Notice>
      )}
      <Headline preview={preview} />
      <dl class="facts" aria-label="Decision details">
        {preview.refusal === null ? null : <RefusalFacts refusal={preview.refusal} />}
        <Fact term="Subject">{preview.subject ?? 'None'}</Fact>
        {preview.account === null ? null : <AccountFacts account={preview.account} />}
        <RoleFacts preview={preview} />
        {preview.access === null ? null : <AccessFacts access={preview.access} libraries={props.libraries} />}
      </dl>
      {preview.allowed && !preview.enableAuthorization ? (
        <p class="small">
          This provider does not manage rights: a sign-in leaves the user's rights as they are.
        </p>
      ) : null}
      {preview.allowed && preview.access === null ? (
        <p class="small">The rights are the media server's defaults for a new user.</p>
      ) : null}
    </section>
  );
}
