// The ports of the domain: what the use cases need from storage, protocols and the media server.
// Adapters in src/storage, src/protocols and src/media-server implement these; only src/app.ts wires them.

import type { FlowReturnTo, SsoError, SsoErrorCode, SsoStep } from './errors.js';
import type {
  ProtocolName,
  ProviderInputs,
  ProviderOf,
  ProviderRecord,
  ProviderSecrets,
  ProviderSettings,
} from './provider-settings.js';

export interface Clock {
  now(): Date;
}

/**
 * The one logger interface of every layer: the part of a pino logger the code uses, `(fields, message)`.
 * Never given tokens, codes, assertions or secrets.
 */
export interface Log {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** A Log that drops everything (tests and tools that do not log). */
export const silentLog: Log = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

// ---------------------------------------------------------------------------------------------------------
// Providers

/** What an `Add` writes. `secrets` fields left `undefined` keep the stored value; `null` clears it. */
export interface ProviderWrite {
  settings: ProviderSettings;
  secrets: { [K in keyof ProviderSecrets]?: ProviderSecrets[K] };
}

export interface ProviderStore {
  /** All providers of a protocol, ordered by name (ordinal). */
  list(protocol: ProtocolName): Promise<ProviderRecord[]>;
  get(protocol: ProtocolName, name: string): Promise<ProviderRecord | null>;
  /** Creates or replaces the provider's settings (never its links), giving it a new version. */
  save(protocol: ProtocolName, name: string, write: ProviderWrite): Promise<ProviderRecord>;
  /** Removes the provider, its account links and its open flows. False when there was none. */
  delete(protocol: ProtocolName, name: string): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------------------
// Login flows: started → verified → (claimed →) consumed; or failed; expiring (flow.ts has the diagram).

/** `device`: a sign-in that authorizes a TV's Quick Connect code instead of making a session here. */
export type FlowPurpose = 'login' | 'link' | 'device';
export type FlowStatus = 'started' | 'verified' | 'claimed' | 'consumed' | 'failed';

/** The identity a protocol proved, bound to an identifier the user cannot change at the IdP. */
export interface VerifiedIdentity {
  /** OIDC `sub` or SAML NameID: what account links are bound to. */
  subject: string;
  /** The username the user asked for (username claim or NameID), before normalisation. */
  preferredUsername: string | null;
  /** A readable label for links (username or e-mail at login time). */
  label: string | null;
  roles: string[];
  /** Avatar URL computed from the claims, if any. */
  avatarUrl: string | null;
  /**
   * An e-mail address the IdP marked verified (OIDC `email` with `email_verified: true`); the only name an
   * existing account may be adopted by. Absent in flows stored before it existed.
   */
  verifiedEmail?: string | null;
}

/** What the role rules decided at verification time (docs/plugin-compatibility.md §7). */
export interface AccessDecision {
  allowed: boolean;
  isAdmin: boolean;
  folders: string[];
  enableLiveTv: boolean;
  enableLiveTvManagement: boolean;
}

/**
 * The IdP's session a sign-in belongs to, for single logout: kept sealed with the flow's secrets from the
 * callback to Auth, which records it (SsoSession); never in clear.
 */
export interface IdpSession {
  /** OIDC `sid` claim or SAML SessionIndex; null when the IdP gave none. */
  sid: string | null;
  /** The OIDC ID token (the `id_token_hint` of a logout); null for SAML. */
  idToken: string | null;
  /** The SAML NameID's Format; null for OIDC. */
  nameIdFormat: string | null;
}

/** What a connector's `finish` proves: the identity, and the IdP session when the protocol names one. */
export interface VerifiedAnswer extends VerifiedIdentity {
  idpSession?: IdpSession | undefined;
}

/** What an OIDC flow keeps server-side for the code exchange (RFC 7636 verifier, OIDC Core §3.1.2.1 nonce). */
export interface OidcFlowSecrets {
  protocol: 'oidc';
  pkceVerifier: string;
  nonce: string;
  /** The redirect_uri of the authorization request, which the token request must repeat (RFC 6749 §4.1.3). */
  redirectUri: string; /** Set when verified: the IdP session of the sign-in. */
  idpSession?: IdpSession | undefined;
}

/** A SAML flow keeps no secret: its request id is public and kept in clear (`LoginFlow.samlRequestId`). */
export interface SamlFlowSecrets {
  protocol: 'saml';
  /** Set when verified: the IdP session of the sign-in. */
  idpSession?: IdpSession | undefined;
}

/** What a flow of purpose `device` keeps besides: the TV's Quick Connect code, sealed with the rest. */
export interface DeviceFlowSecrets {
  deviceCode?: string;
}

export type { FlowReturnTo };

/**
 * What a flow of purpose `link` keeps besides: where it was started from, so its finishing page (or its
 * error page) leads back there. Sealed with the rest, so no column or migration is needed for it.
 */
export interface LinkingFlowSecrets {
  returnTo?: FlowReturnTo;
}

/** Per-protocol values the flow keeps server-side, sealed at rest and never shown. */
export type FlowSecrets = (OidcFlowSecrets | SamlFlowSecrets) & DeviceFlowSecrets & LinkingFlowSecrets;

export type FlowSecretsOf<P extends ProtocolName> = Extract<FlowSecrets, { protocol: P }>;

export interface LoginFlow {
  /** Public id: safe to show in logs and `/States`. */
  id: string;
  providerId: string;
  providerName: string;
  protocol: ProtocolName;
  purpose: FlowPurpose;
  status: FlowStatus;
  /** SHA-256 of the OIDC `state` / SAML `RelayState`. */
  stateHash: string;
  /** SHA-256 of the browser-binding cookie value. */
  browserHash: string;
  /** The id of the request the IdP answers (SAML AuthnRequest ID), kept in clear for `InResponseTo` lookups. */
  samlRequestId: string | null;
  secrets: FlowSecrets;
  identity: VerifiedIdentity | null;
  /** SHA-256 of the one-time token the page posts to Auth/Link; set when verified. */
  tokenHash: string | null;
  /** While `claimed`: until when the Auth attempt holding it may finish; after that it may be claimed again. */
  leaseExpiresAt: Date | null;
  createdAt: Date;
  expiresAt: Date;
  /**
   * The version its provider had when the flow was read (null: the provider is gone), so a caller holding an
   * older copy of the provider learns it. A fact about the read, not part of the flow's value: stores attach
   * it with `withProviderVersion` (not enumerable, so copies and comparisons leave it out). Absent when the
   * store does not say.
   */
  readonly providerVersion?: string | null;
}

/** Attaches the version a flow read found its provider at (see `LoginFlow.providerVersion`). */
export function withProviderVersion(flow: LoginFlow, version: string | null): LoginFlow {
  Object.defineProperty(flow, 'providerVersion', { value: version, enumerable: false });
  return flow;
}

export type NewLoginFlow = Omit<
  LoginFlow,
  'status' | 'identity' | 'tokenHash' | 'leaseExpiresAt' | 'providerVersion'
> & {
  /** Who started it (src/sso/client-address.ts `clientKey`), so its open flows can be counted. */
  clientKey: string;
  /** Store it only while the provider is still at this version (the caller's copy is current). */
  providerVersion?: string;
  /** Store it only while its client has fewer open flows than this; absent or 0: no limit. */
  maxOpenPerClient?: number;
};

/** What `create` did: stored the flow, or refused it (the client's open flows, or a changed provider). */
export type FlowCreated = 'created' | 'too_many_open' | 'provider_changed';

/** A flow cookie a request carried: the flow it names, and the hash of its value. */
export interface BrowserBinding {
  flowId: string;
  browserHash: string;
}

export interface ConsumeRequest {
  tokenHash: string;
  providerId: string;
  now: Date;
  /** Each given condition is part of the same conditional update: the flow's purpose, */
  purpose?: FlowPurpose;
  /** the browser binding (one of these cookies is the flow's), */
  browser?: BrowserBinding[];
  /** and the provider's version (the caller's copy of the provider is current). */
  providerVersion?: string;
}

export interface ClaimRequest extends ConsumeRequest {
  /** A random id of this Auth attempt: only it may finish or release the claim. */
  attemptId: string;
  leaseUntil: Date;
}

/** A claimed flow, and what Auth reads next when the store can read it with the claim. */
export interface ClaimedFlow extends LoginFlow {
  /**
   * The complete account link of the flow's identity (as `LinkStore.find` gives it), read by the claim's
   * own statement; null when there is none; absent when the store did not read it.
   */
  link?: AccountLink | null;
}

export interface FlowStore {
  /** Stores a started flow in one statement, with the limit and version checks `flow` asks for. */
  create(flow: NewLoginFlow): Promise<FlowCreated>;
  findByStateHash(stateHash: string): Promise<LoginFlow | null>;
  findBySamlRequestId(providerId: string, requestId: string): Promise<LoginFlow | null>;
  findByTokenHash(tokenHash: string): Promise<LoginFlow | null>;
  /** started → verified, only if still started and not expired. False otherwise. */
  markVerified(
    id: string,
    result: {
      identity: VerifiedIdentity;
      tokenHash: string;
      /** Replaces the flow's secrets (sealed as at `create`) when given: they now hold the IdP session. */
      secrets?: FlowSecrets;
    },
    now: Date,
  ): Promise<boolean>;
  /** started → failed (a denied or broken callback can not be retried with the same state). */
  markFailed(id: string): Promise<void>;
  /**
   * verified → consumed in one conditional update (status, provider, token, expiry and the request's other
   * conditions all in the WHERE): exactly one caller wins; everyone else gets null.
   */
  consume(request: ConsumeRequest): Promise<LoginFlow | null>;
  /**
   * verified → claimed by one Auth attempt, in one conditional update (like `consume`); a claimed flow whose
   * lease ran out (its attempt died) may be claimed again. Null for everyone but the single winner.
   */
  claim(request: ClaimRequest): Promise<ClaimedFlow | null>;
  /** claimed (by this attempt) → consumed, once the session exists. False when the attempt lost its claim. */
  finishClaim(id: string, attemptId: string): Promise<boolean>;
  /** claimed (by this attempt) → verified: no session was made, so the same token may be tried again. */
  releaseClaim(id: string, attemptId: string): Promise<void>;
  /** Flows not yet consumed or failed and not expired. */
  listOpen(protocol: ProtocolName, now: Date): Promise<LoginFlow[]>;
  /** How many flows this client started that are still open (started, verified or claimed; not expired). */
  countOpenByClient(clientKey: string, now: Date): Promise<number>;
  purgeExpired(now: Date): Promise<number>;
}

// ---------------------------------------------------------------------------------------------------------
// Account links: (provider, subject) → media-server user. One subject maps to one user.

export interface AccountLink {
  providerId: string;
  providerName: string;
  protocol: ProtocolName;
  subject: string;
  userId: string;
  label: string | null;
  createdAt: Date;
}

/** A claim on (provider, subject) while its account is being made: see LinkStore.claim. */
export interface LinkClaim {
  providerId: string;
  subject: string;
  label: string | null;
  claimId: string;
  leaseUntil: Date;
  now: Date;
  /** Re-point path: the (deleted) user the complete link still names. Absent for a first sign-in. */
  replacing?: string;
}

export interface LinkStore {
  /** The complete link of the subject; a link still held by a claim counts as none. */
  find(providerId: string, subject: string): Promise<AccountLink | null>;
  listByUser(protocol: ProtocolName, userId: string): Promise<AccountLink[]>;
  /** Throws SsoError('link_conflict') when the subject is already linked (to anyone). */
  create(link: Omit<AccountLink, 'createdAt' | 'providerName' | 'protocol'>): Promise<AccountLink>;
  delete(providerId: string, subject: string): Promise<boolean>;
  /** Points an existing link at another user (after the user it named was deleted). */
  repoint(providerId: string, subject: string, userId: string): Promise<void>;
  /**
   * Holds (provider, subject) before any account is made for it, in one conditional write: inserts a
   * pending link (the unique index picks one winner), or takes over the complete link naming `replacing`,
   * or a claim whose lease ran out (its claimant died). True for the single winner only.
   */
  claim(claim: LinkClaim): Promise<boolean>;
  /** The claim's link now names `userId` and is complete. False when the claim was lost (lease taken over). */
  completeClaim(providerId: string, subject: string, claimId: string, userId: string): Promise<boolean>;
  /** Gives the claim up (nothing was made): the subject is as it was before the claim. */
  releaseClaim(providerId: string, subject: string, claimId: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------
// Pending links: account links imported from the SSO plugin, which keyed a link by the username it read
// from the IdP (docs/plugin-compatibility.md §10). Each waits for the first sign-in on its provider whose
// username matches without letter case, which turns it into a subject link once.

export interface PendingLink {
  providerId: string;
  /** The name as the plugin stored it. */
  canonicalName: string;
  userId: string;
  /** The import allowed this link to land on an administrator account. */
  allowAdmin: boolean;
  createdAt: Date;
  /** When a first sign-in used (or dropped) it; null while it waits. */
  usedAt: Date | null;
}

export type NewPendingLink = Pick<PendingLink, 'providerId' | 'canonicalName' | 'userId' | 'allowAdmin'>;

export interface PendingLinkStore {
  /** Every pending link of the provider, used ones included, by canonical name (ordinal). */
  list(providerId: string): Promise<PendingLink[]>;
  /**
   * Creates the link of (provider, name without letter case), or replaces its user, spelling and flag
   * while it is unused; a used link is left as it is.
   */
  save(link: NewPendingLink): Promise<void>;
  /** The unused link whose name matches `name` without letter case; null when there is none. */
  find(providerId: string, name: string): Promise<PendingLink | null>;
  /** Marks the unused link used, in one conditional write: true for the single caller that did. */
  use(providerId: string, name: string, now: Date): Promise<boolean>;
}

/** Assertion ids seen, kept until they expire; shared by every instance through the database. */
export interface ReplayCache {
  /** Records the id; false when it was seen before (a replay). */
  remember(key: string, expiresAt: Date): Promise<boolean>;
  purgeExpired(now: Date): Promise<number>;
}

// ---------------------------------------------------------------------------------------------------------
// SSO sessions: one record per media-server session an SSO sign-in made, so that a logout (the user's, or
// the IdP's back-channel or SAML LogoutRequest) can find and end it. One record per (user, device), as the
// media server keeps one session per device.

export interface SsoSession {
  userId: string;
  deviceId: string;
  providerId: string;
  protocol: ProtocolName;
  /** OIDC `sub` or SAML NameID, as the account link holds it. */
  subject: string;
  /** The IdP's session id: OIDC `sid` claim or SAML SessionIndex; null when the IdP gave none. */
  sid: string | null;
  /** The OIDC ID token, for `id_token_hint` at logout (sealed at rest); null for SAML. */
  idToken: string | null;
  /** The SAML NameID's Format, which a LogoutRequest must repeat; null for OIDC. */
  nameIdFormat: string | null;
  createdAt: Date;
  expiresAt: Date;
}

/** Which IdP session a logout names: the subject, its `sid`, or both (then both must match). */
export interface IdpSessionQuery {
  providerId: string;
  subject: string | null;
  sid?: string | null | undefined;
}

export interface SsoSessionStore {
  /** Records the session of (userId, deviceId), replacing the one that device had. */
  save(session: SsoSession): Promise<void>;
  /** The unexpired record of that device's session; null when none. */
  findByDevice(userId: string, deviceId: string, now: Date): Promise<SsoSession | null>;
  /** Every record (expired ones too: their media-server sessions may live on) of that IdP session. */
  findByIdpSession(query: IdpSessionQuery): Promise<SsoSession[]>;
  /** False when there was none. */
  delete(userId: string, deviceId: string): Promise<boolean>;
  purgeExpired(now: Date): Promise<number>;
}

// ---------------------------------------------------------------------------------------------------------
// The sign-in activity log: one entry per login attempt's outcome, for the admin (activity.ts records them).
// An entry never holds a token, code, assertion, flow token, cookie or secret.

export type ActivityOutcome = 'success' | 'refused' | 'failed';

export interface ActivityEntry {
  /** Sortable: newer entries have greater ids (activity.ts `activityId`). */
  id: string;
  time: Date;
  protocol: ProtocolName;
  provider: string;
  /** Where the attempt ended (the SsoError's step; `session` for a success). */
  step: SsoStep;
  outcome: ActivityOutcome;
  /** Null for a success. */
  code: SsoErrorCode | null;
  /** The public reason; null for a success. */
  reason: string | null;
  /** The admin text of the error (what an elevated caller is shown), or what succeeded. */
  message: string;
  /** A stable id of the rule that refused, when the error names one. */
  rule: string | null;
  subject: string | null;
  username: string | null;
  userId: string | null;
  clientAddress: string;
  requestId: string;
  linking: boolean;
}

export interface ActivityQuery {
  /** 1–200. */
  limit: number;
  /** Only entries older than this id (the `next` of the previous page). */
  before?: string | undefined;
  provider?: string | undefined;
  /** A username or a user id. */
  user?: string | undefined;
  outcome?: ActivityOutcome | undefined;
  /** Only entries at or after this time. */
  since?: Date | undefined;
}

export interface ActivityPage {
  /** Newest first. */
  entries: ActivityEntry[];
  /** The id to pass as `before` for the next page; null on the last page. */
  next: string | null;
}

export interface ActivityStore {
  record(entry: ActivityEntry): Promise<void>;
  list(query: ActivityQuery): Promise<ActivityPage>;
  /** Removes the entries older than `before`; how many. */
  purge(before: Date): Promise<number>;
}

// ---------------------------------------------------------------------------------------------------------
// The media server (docs/ARCHITECTURE.md "Media server"): embedded directory or a real Jellyfin.

/** Jellyfin's `UserPolicy` (docs/jellyfin-api.md §2.2). Unknown fields are kept as they are. */
export interface UserPolicy {
  IsAdministrator: boolean;
  IsHidden: boolean;
  IsDisabled: boolean;
  EnableAllFolders: boolean;
  EnabledFolders: string[];
  EnableContentDownloading: boolean;
  EnableLiveTvAccess: boolean;
  EnableLiveTvManagement: boolean;
  EnableRemoteAccess: boolean;
  EnableUserPreferenceAccess: boolean;
  AuthenticationProviderId: string;
  PasswordResetProviderId: string;
  [field: string]: unknown;
}

export interface MediaUser {
  /** 32 lower-case hex ("N" format). */
  id: string;
  name: string;
  policy: UserPolicy;
  hasPassword: boolean;
}

/** What a device sign-out did: ended the user's sessions there, or nothing (the device is shared). */
export type DeviceSignOut = 'signed_out' | 'shared';

export type Principal = { kind: 'apiKey'; keyId: string; name: string } | { kind: 'user'; user: MediaUser };

export function isElevated(principal: Principal): boolean {
  return principal.kind === 'apiKey' || principal.user.policy.IsAdministrator;
}

/** The device fields of an Auth body, as jellyfin-web sends them. */
export interface DeviceInfo {
  deviceId: string;
  deviceName: string;
  appName: string;
  appVersion: string;
}

/** Jellyfin's `AuthenticationResult`, PascalCase, passed through as Jellyfin emits it. */
export interface AuthenticationResult {
  User: { Id: string; Name: string; ServerId?: string; Policy?: UserPolicy; [field: string]: unknown };
  SessionInfo: { [field: string]: unknown } | null;
  AccessToken: string;
  ServerId: string;
}

export interface Library {
  Id: string;
  Name: string;
  CollectionType: string | null;
}

export interface MediaServer {
  readonly kind: 'embedded' | 'jellyfin';
  /** Releases what the adapter holds (timers, connections), if anything; called once, before the database closes. */
  close?(): Promise<void>;
  /** A credential → who it is; null when unknown, revoked, or the user is disabled. */
  resolveToken(token: string): Promise<Principal | null>;
  getUserById(id: string): Promise<MediaUser | null>;
  /** Case-insensitive, as Jellyfin compares names. */
  getUserByName(name: string): Promise<MediaUser | null>;
  /**
   * One lookup for several names (case-insensitive): each given name that is taken, mapped (as given) to the
   * user holding it. A first sign-in asks once for every name it may use.
   */
  findUsersByNames(names: string[]): Promise<Map<string, MediaUser>>;
  /** Every user, hidden and disabled ones included (an administrator looks for them too). */
  listUsers(): Promise<MediaUser[]>;
  /** Throws SsoError('name_conflict') when the name is taken. */
  createUser(name: string): Promise<MediaUser>;
  /**
   * Removes a user this service has just made and nothing links to (a first sign-in that lost its account
   * claim while making it). A user that is already gone is not an error.
   */
  deleteUser(userId: string): Promise<void>;
  /**
   * One read-modify-write of the whole policy; fields `change` does not touch survive. `seen`, the user as the
   * caller just read it, lets the adapter skip a change that leaves its policy as it is (no write at all).
   */
  updatePolicy(
    userId: string,
    change: (policy: UserPolicy) => UserPolicy,
    seen?: MediaUser,
  ): Promise<MediaUser>;
  /** Mints a session for the user on the given device, as Jellyfin's AuthenticateDirect would. */
  createSession(userId: string, device: DeviceInfo): Promise<AuthenticationResult>;
  /** Ends the session of this access token (a user's own logout); a token already gone is not an error. */
  endSession(token: string): Promise<void>;
  /**
   * Ends the user's sessions on this device; none left is not an error. A server that can only end a device
   * as a whole (Jellyfin's `DELETE /Devices`) also ends other users' sessions on the same device id: with
   * `others: 'spare'` it then ends nothing and answers `shared`; with `'end'` it ends them all (an IdP's
   * logout, an administrator). The embedded directory ends the user's sessions only and never answers
   * `shared`.
   */
  signOutDevice(deviceId: string, userId: string, others: 'spare' | 'end'): Promise<DeviceSignOut>;
  listLibraries(): Promise<Library[]>;
  setAvatar(userId: string, image: { contentType: string; bytes: Uint8Array }): Promise<void>;
  /**
   * Authorizes the Quick Connect code a TV shows for the user (device-codes.ts). Throws SsoError with reason
   * `device_code_unknown` (wrong or expired) or `device_code_used`. Absent where the server cannot.
   */
  authorizeQuickConnect?(code: string, userId: string): Promise<void>;
  /** Whether a code waits for authorization, without authorizing it; absent where the server cannot tell. */
  checkQuickConnectCode?(code: string): Promise<QuickConnectCodeState>;
  /** The TV's side of Quick Connect, where this service is the server (the embedded directory). */
  readonly quickConnectHost?: QuickConnectHost;
  /** App passwords and devices (app-passwords.ts, devices.ts); absent where an adapter cannot. */
  setAppPassword?(userId: string, password: string): Promise<void>;
  /** An unusable random password again, and the SSO-only provider back. */
  clearAppPassword?(userId: string): Promise<void>;
  listDevices?(userId: string): Promise<UserDevice[]>;
  /** Password sign-in as an app does it (embedded directory only: Jellyfin serves its own); null: refused. */
  authenticateByName?(
    name: string,
    password: string,
    device: DeviceInfo,
  ): Promise<AuthenticationResult | null>;
}

/** What a media server knows of a code without authorizing it. */
export type QuickConnectCodeState = 'pending' | 'authorized' | 'unknown';

/** A TV's request as Jellyfin's `QuickConnectResult` shows it (the secret only to the TV that asked). */
export interface QuickConnectRequest {
  secret: string;
  code: string;
  authenticated: boolean;
  device: DeviceInfo;
  createdAt: Date;
}

/** The TV's side of Quick Connect: start a request, poll it, and exchange it for a session once authorized. */
export interface QuickConnectHost {
  initiate(device: DeviceInfo): Promise<QuickConnectRequest>;
  /** Null when the secret is unknown or its request expired. */
  state(secret: string): Promise<QuickConnectRequest | null>;
  /** The session of an authorized request, once; null when it is unknown, expired, pending or already used. */
  authenticate(secret: string): Promise<AuthenticationResult | null>;
}

/** One device a user is signed in on, as the media server lists it. */
export interface UserDevice {
  deviceId: string;
  deviceName: string;
  /** The app that signed in (Jellyfin's AppName / Client). */
  client: string;
  lastActivity: Date | null;
}

/** When each user's app password was made: never the password itself (the media server holds its hash). */
export interface AppPasswordStore {
  createdAt(userId: string): Promise<Date | null>;
  /** Records (or replaces) the creation time. */
  save(userId: string, createdAt: Date): Promise<void>;
  /** False when there was none. */
  delete(userId: string): Promise<boolean>;
}

/** Authentication provider ids (docs/jellyfin-api.md §5). */
export const DEFAULT_AUTH_PROVIDER_ID = 'Jellyfin.Server.Implementations.Users.DefaultAuthenticationProvider';
export const DEFAULT_PASSWORD_RESET_PROVIDER_ID =
  'Jellyfin.Server.Implementations.Users.DefaultPasswordResetProvider';
/** Marks users created by SSO until `Unregister` hands them back to password login. */
export const SSO_AUTH_PROVIDER_ID = 'Jellyfin.Plugin.SSO_Auth.Api.SSOController';

// ---------------------------------------------------------------------------------------------------------
// Connectors: one per protocol behind one interface, so the login use cases never know which protocol they
// run. A connector holds every rule of its protocol: how settings are read, how the IdP is asked, and how
// its answer becomes a verified identity. Policy (roles, accounts, flows) stays in the use cases.

/** What the IdP's answer carries back to a connector, per protocol. */
export interface ConnectorCallbacks {
  /** The redirect back from the authorization endpoint (OIDC Core §3.1.2.5, §3.1.2.6). */
  oidc: { query: Record<string, string | undefined>; callbackUrl: URL };
  /** The HTTP-POST binding (SAML Bindings §3.5): the encoded response and the RelayState, if any. */
  saml: { samlResponse: string; relayState: string | undefined };
}

export type CallbackOf<P extends ProtocolName> = ConnectorCallbacks[P];

/** What `start` is given: the random value the IdP sends back with its answer (OIDC `state`, RelayState). */
export interface StartContext {
  state: string;
}

/** What `finish` needs of the flow `start` made. */
export interface StartedFlow<P extends ProtocolName> {
  secrets: FlowSecretsOf<P>;
  /** The id of the request the answer must name (SAML `InResponseTo`); null when the protocol has none. */
  requestId: string | null;
}

/** Where to send the browser, and what to keep for `finish`. */
export interface StartedRedirect<P extends ProtocolName> extends StartedFlow<P> {
  redirect: string;
}

/** How an answer names its flow: the state it carries back, or else the id of the request it answers. */
export interface FlowPointer {
  state: string | null;
  /** Read only when the state finds no flow (it may cost a parse). */
  requestId(): string | null;
}

/** A provider's settings and secrets read from an `Add` body, with what the admin should know. */
export interface ParsedProvider {
  write: ProviderWrite;
  warnings: string[];
}

/** One live check of a provider (the admin's Test): a stable id, an outcome, and never a secret. */
export interface ProviderCheck {
  /** Stable machine id, e.g. `oidc.discovery`, `saml.certificate`. */
  check: string;
  status: 'pass' | 'warn' | 'fail';
  /** What was found, in a sentence for the admin. */
  detail: string;
  /** What to change; null when nothing. */
  fix: string | null;
}

/**
 * What an IdP asserted about a user, as the admin's Preview gives it: the claims of a sign-in (OIDC, `sub`
 * included) or the NameID and attributes of a verified assertion (SAML).
 */
export interface ConnectorAssertions {
  oidc: { subject: string; claims: Record<string, unknown> };
  saml: { nameId: string | null; attributes: Record<string, string[]> };
}

export type AssertedOf<P extends ProtocolName> = ConnectorAssertions[P];

/** Where a provider reads roles from, and whether the claims or attributes held it. */
export interface RoleSource {
  kind: 'claim' | 'attribute';
  /** The role claim path or attribute name; null when the provider reads no roles. */
  name: string | null;
  present: boolean;
}

/**
 * What an IdP's assertions prove, read with the provider's settings: the identity, or the refusal a sign-in
 * with them gets. `finish` reads a verified answer with the same reader as the admin's Preview.
 */
export type IdentityReading = {
  subject: string | null;
  roleSource: RoleSource;
  /** The claim or attribute the proposed username came from (`preferred_username`, `sub`, `NameID`, …). */
  usernameSource: string;
} & ({ identity: VerifiedIdentity; refusal: null } | { identity: null; refusal: SsoError });

/** What an IdP's logout notice (OIDC back-channel logout token) says: which session ends, and its one-time id. */
export interface LogoutNotice {
  subject: string | null;
  sid: string | null;
  /** The notice's unique id, for the replay cache, and until when it must be remembered. */
  jti: string;
  expiresAt: Date;
}

/** What `logoutRedirect` is given besides the provider: the recorded session and where the IdP returns to. */
export interface LogoutContext {
  session: SsoSession;
  postLogoutRedirectUri: string;
}

/** What `diagnose` is given besides the provider. */
export interface DiagnoseContext {
  now: Date;
}

export interface Connector<P extends ProtocolName> {
  readonly protocol: P;
  /**
   * Whether the IdP's answer comes back through the browser that started the flow, with its cookies (the
   * OIDC redirect). Then a refused answer fails its flow. An answer posted cross-site (SAML ACS) could have
   * been sent by anyone naming any flow: its refusal must leave the flow as it was.
   */
  readonly answerIsBrowserBound: boolean;
  /**
   * The one reader of this protocol's settings: validates an `Add` body (SsoError `invalid_request` naming
   * the field) with the same rules that read the settings at login, so what Add accepts never fails there.
   */
  parseSettings(input: ProviderInputs[P], now: Date): ParsedProvider;
  start(provider: ProviderOf<P>, context: StartContext): Promise<StartedRedirect<P>>;
  /** Reads which flow an answer names; refuses (`flow_not_found`) an answer that names none. */
  locate(callback: CallbackOf<P>): FlowPointer;
  /**
   * Verifies the IdP's answer against the flow it names and reads the identity it proves. Throws SsoError
   * (`idp_error`, `idp_response_invalid`, `not_permitted`, `upstream_unavailable`, …) when it proves nothing.
   */
  finish(provider: ProviderOf<P>, callback: CallbackOf<P>, flow: StartedFlow<P>): Promise<VerifiedAnswer>;
  /**
   * Reads what an IdP asserted as `finish` reads a verified answer, without asking the IdP (the admin's
   * Preview). Pure: a refusal is returned, not thrown.
   */
  readIdentity(provider: ProviderOf<P>, asserted: AssertedOf<P>): IdentityReading;
  /**
   * Where to send the browser so the IdP ends its session too (RP-initiated logout); null when the IdP
   * offers no such endpoint.
   */
  logoutRedirect?(provider: ProviderOf<P>, context: LogoutContext): Promise<string | null>;
  /** Verifies an IdP's back-channel logout notice; throws SsoError `invalid_request` when it proves nothing. */
  readLogoutNotice?(provider: ProviderOf<P>, notice: string, now: Date): Promise<LogoutNotice>;
  /** Metadata the IdP can import (SAML SP metadata), for protocols that publish it. */
  metadata?(provider: ProviderOf<P>): string;
  /**
   * Live checks of the provider against its IdP, without a user. Never throws for what the IdP does: a
   * failure is a `fail` check.
   */
  diagnose(provider: ProviderOf<P>, context: DiagnoseContext): Promise<ProviderCheck[]>;
}

/** One connector per protocol. */
export type Connectors = { [P in ProtocolName]: Connector<P> };
