// The admin's Preview: the decision a sign-in would get on claims or attributes the admin gives, taken by
// the functions a sign-in takes it with (the connector's reader, sign-in-decision.ts, the account choice
// of accounts.ts) and without writing anything. Disabled providers are previewed too.
import { writtenPolicy } from './access.js';
import { previewAccount, type AccountPreview } from './accounts.js';
import { SsoError, type SsoStep } from './errors.js';
import type {
  AccessDecision,
  AssertedOf,
  Connectors,
  IdentityReading,
  LinkStore,
  MediaServer,
  MediaUser,
  PendingLinkStore,
  ProviderStore,
  RoleSource,
  VerifiedIdentity,
} from './ports.js';
import { providerNotFound } from './provider-admin.js';
import { isProviderOf, type ProtocolName, type ProviderRecord } from './provider-settings.js';
import { decideSignIn } from './sign-in-decision.js';

export interface PreviewRefusal {
  step: SsoStep;
  code: string;
  reason: string;
  rule: string;
  summary: string;
  message: string;
}

export interface PreviewUser {
  id: string;
  name: string;
}

export interface PreviewAccount {
  action: AccountPreview['action'];
  username: string;
  desiredUsername: string;
  proposedUsername: string | null;
  usernameSource: string;
  existingUser: PreviewUser | null;
  nameTakenBy: PreviewUser | null;
}

/** The rights after the sign-in; null: not written, and the account does not exist yet. */
export interface PreviewAccess {
  isAdmin: boolean | null;
  enableAllFolders: boolean | null;
  folders: string[] | null;
  enableLiveTv: boolean | null;
  enableLiveTvManagement: boolean | null;
  enableContentDownloading: boolean | null;
}

export interface SignInPreview {
  provider: string;
  protocol: ProtocolName;
  providerEnabled: boolean;
  enableAuthorization: boolean;
  allowed: boolean;
  refusal: PreviewRefusal | null;
  subject: string | null;
  roles: string[];
  roleSource: RoleSource;
  account: PreviewAccount | null;
  access: PreviewAccess | null;
}

export interface SignInPreviewer {
  /** SsoError `provider_not_found` when there is no provider of that name. */
  preview<P extends ProtocolName>(protocol: P, name: string, asserted: AssertedOf<P>): Promise<SignInPreview>;
}

export interface PreviewDeps {
  providers: ProviderStore;
  connectors: Connectors;
  links: LinkStore;
  /** Links imported from the SSO plugin, which a first sign-in takes (pending-links.ts). */
  pendingLinks?: PendingLinkStore | undefined;
  mediaServer: MediaServer;
}

export function createSignInPreviewer(deps: PreviewDeps): SignInPreviewer {
  return {
    async preview(protocol, name, asserted) {
      const provider = await deps.providers.get(protocol, name);
      if (provider === null) throw providerNotFound(protocol, name);
      const reading = readIdentity(deps.connectors, provider, asserted);
      const common = {
        provider: name,
        protocol: provider.protocol,
        providerEnabled: provider.settings.enabled,
        enableAuthorization: provider.settings.enableAuthorization,
        subject: reading.subject,
        roleSource: reading.roleSource,
      };
      if (reading.refusal !== null) return refused(common, [], reading.refusal, provider);
      const { identity } = reading;
      const { access, refusal } = decideSignIn(identity, provider.settings);
      if (refusal !== null) return refused(common, identity.roles, refusal, provider);
      let account: AccountPreview;
      try {
        account = await previewAccount(deps, provider, identity);
      } catch (error) {
        if (!(error instanceof SsoError)) throw error;
        return refused(common, identity.roles, error, provider);
      }
      return {
        ...common,
        allowed: true,
        refusal: null,
        roles: identity.roles,
        account: accountView(account, identity, reading.usernameSource),
        access: accessView(account, provider, access),
      };
    },
  };
}

/** The connector of the provider's protocol reads what the admin gave, as `finish` reads an answer. */
function readIdentity<P extends ProtocolName>(
  connectors: Connectors,
  provider: ProviderRecord,
  asserted: AssertedOf<P>,
): IdentityReading {
  // One branch per protocol, so each connector gets the record and assertions of its own protocol.
  if (isProviderOf(provider, 'oidc') && 'claims' in asserted) {
    return connectors.oidc.readIdentity(provider, asserted);
  }
  if (isProviderOf(provider, 'saml') && 'attributes' in asserted) {
    return connectors.saml.readIdentity(provider, asserted);
  }
  throw new SsoError('internal', 'The preview was given assertions of another protocol.', { step: 'admin' });
}

function refused(
  common: Omit<SignInPreview, 'allowed' | 'refusal' | 'roles' | 'account' | 'access'>,
  roles: string[],
  error: SsoError,
  provider: ProviderRecord,
): SignInPreview {
  const rule = error.rule?.id ?? error.reason;
  const summary =
    rule === 'access.required_role'
      ? `role gate: none of [${provider.settings.roles.join(', ')}] in ${common.roleSource.name ?? 'the roles'}`
      : `${rule}: ${error.message}`;
  return {
    ...common,
    allowed: false,
    refusal: {
      step: error.step ?? 'authorize',
      code: error.code,
      reason: error.reason,
      rule,
      summary,
      message: error.message,
    },
    roles,
    account: null,
    access: null,
  };
}

function userView(user: MediaUser | null): PreviewUser | null {
  return user === null ? null : { id: user.id, name: user.name };
}

function accountView(
  account: AccountPreview,
  identity: VerifiedIdentity,
  usernameSource: string,
): PreviewAccount {
  const isNew = account.action === 'create';
  return {
    action: account.action,
    username: isNew ? account.name : account.user.name,
    desiredUsername: account.desiredName,
    proposedUsername: identity.preferredUsername,
    usernameSource,
    existingUser: isNew ? null : userView(account.user),
    nameTakenBy: isNew ? userView(account.takenBy) : null,
  };
}

/** What the policy holds after `applyDecision`: written fields, else the existing user's (a new one's: null). */
function accessView(
  account: AccountPreview,
  provider: ProviderRecord,
  decision: AccessDecision,
): PreviewAccess {
  const before = account.action === 'create' ? null : account.user.policy;
  const written = writtenPolicy(
    before?.IsAdministrator ?? false,
    provider.settings,
    decision,
    before === null,
  );
  const after = { ...before, ...written };
  return {
    isAdmin: after.IsAdministrator ?? null,
    enableAllFolders: after.EnableAllFolders ?? null,
    folders: after.EnabledFolders ?? null,
    enableLiveTv: after.EnableLiveTvAccess ?? null,
    enableLiveTvManagement: after.EnableLiveTvManagement ?? null,
    enableContentDownloading: after.EnableContentDownloading ?? null,
  };
}
