// A stateful fake Jellyfin for the adapter's tests: node:http on 127.0.0.1:0, speaking ONE
// chosen version of Jellyfin's official OpenAPI document. It keeps users (policies, passwords, provider
// ids, images), API keys, device tokens, Quick Connect requests and libraries, and enforces the rules the
// real server enforces: MediaBrowser header parsing with URL-decoding, token
// resolution (401 unknown/disabled, 403 not elevated, /Users/Me 400 for API keys), case-insensitive unique
// names, a policy POST that replaces the whole policy and needs both provider ids, 403 for demoting the last
// admin / disabling an admin / disabling the last enabled user, password changes ignored (but tokens still
// revoked) for users not on the default provider, Quick Connect initiate → authorize → exchange with the
// initiating device's fields and the same-device logout rule, Base64 user images, and ending sessions
// (POST /Sessions/Logout with the user's token, DELETE /Devices?id= as an administrator).
//
// EVERY request is validated against the document before it is handled and EVERY answer before it is sent
// (test/support/jellyfin-openapi.ts); each problem lands in `violations`, as do breaches of Jellyfin's rules
// the document cannot express (legacy auth headers, a token sent to /QuickConnect/Initiate). Tests assert
// `violations` is empty. Quick Connect requests expire 10 minutes after DateAdded, as in Jellyfin (a test
// moves `dateAdded` back to expire one); the TV polls them at /QuickConnect/Connect. Not modelled: parental schedules,
// remote-access checks by IP, login lockout.

import { randomBytes, randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isValidUserName, upperInvariant } from '../../src/media-server/shared/jellyfin-rules.js';
import { newUserConfiguration, newUserPolicy } from '../../src/media-server/shared/jellyfin-shapes.js';
import { DEFAULT_AUTH_PROVIDER_ID, DEFAULT_PASSWORD_RESET_PROVIDER_ID } from '../../src/sso/ports.js';
import {
  loadJellyfinContract,
  type JellyfinContract,
  type JellyfinVersion,
  type MatchedOperation,
} from './jellyfin-openapi.js';

export interface FakeJellyfinOptions {
  version: JellyfinVersion;
  /** What /System/Info/Public reports; default: the document's version. */
  reportedVersion?: string;
  quickConnectEnabled?: boolean;
  /** Ignore `Password` in POST /Users/New (exercises the adapter's explicit password fallback). */
  ignoreCreatePassword?: boolean;
}

export interface FakeUser {
  id: string;
  name: string;
  /** Plain text (a fake); null = no password. */
  password: string | null;
  policy: Record<string, unknown>;
  configuration: Record<string, unknown>;
  image: { contentType: string; bytes: Buffer } | null;
  lastLoginDate: string | null;
}

export interface FakeToken {
  token: string;
  userId: string;
  sessionId: string;
  deviceId: string;
  deviceName: string;
  client: string;
  version: string;
  created: string;
}

export interface FakeApiKey {
  id: number;
  token: string;
  name: string;
  created: string;
}

export interface PasswordChange {
  userId: string;
  via: 'create' | 'password';
  /** The user's AuthenticationProviderId at that moment. */
  provider: string;
  /** False when Jellyfin silently ignored it (user not on the default provider). */
  applied: boolean;
}

export interface QuickConnectRequest {
  secret: string;
  code: string;
  deviceId: string;
  deviceName: string;
  appName: string;
  appVersion: string;
  dateAdded: string;
  /** Set by Authorize: what AuthenticateWithQuickConnect returns, every time. */
  result: Record<string, unknown> | null;
}

export interface FakeLibrary {
  id: string;
  name: string;
  collectionType: string | null;
  hidden: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  operationId: string | null;
  /** The parsed MediaBrowser header fields, Token replaced by what it resolved to. */
  auth: Record<string, string> | null;
  caller: 'apiKey' | 'user' | 'invalid' | 'none';
  status: number;
}

type Principal = { kind: 'apiKey'; key: FakeApiKey } | { kind: 'user'; user: FakeUser; token: FakeToken };

interface Reply {
  status: number;
  /** JSON value (application/json). */
  json?: unknown;
  /** ProblemDetails (application/problem+json), as ASP.NET's bare BadRequest()/NotFound() send. */
  problem?: Record<string, unknown>;
  /** text/plain, as ExceptionMiddleware writes exceptions. */
  text?: string;
}

export interface FakeJellyfin {
  readonly url: string;
  readonly version: JellyfinVersion;
  readonly contract: JellyfinContract;
  readonly serverId: string;
  readonly serverName: string;
  /** The admin key the adapter is configured with. */
  readonly apiKey: string;
  /** The admin user every fake starts with. */
  readonly admin: FakeUser;
  reportedVersion: string;
  quickConnectEnabled: boolean;
  ignoreCreatePassword: boolean;
  readonly users: Map<string, FakeUser>;
  readonly tokens: Map<string, FakeToken>;
  readonly apiKeys: FakeApiKey[];
  readonly quickConnectRequests: Map<string, QuickConnectRequest>;
  readonly libraries: FakeLibrary[];
  readonly passwordChanges: PasswordChange[];
  readonly requests: RecordedRequest[];
  /** Contract and rule violations: every test expects this to stay empty. */
  readonly violations: string[];
  addUser(input: {
    name: string;
    admin?: boolean;
    password?: string | null;
    policy?: Record<string, unknown>;
  }): FakeUser;
  addApiKey(name: string): FakeApiKey;
  /** A user access token, as a password login on that device would create. */
  addToken(
    userId: string,
    device?: Partial<Pick<FakeToken, 'deviceId' | 'deviceName' | 'client' | 'version'>>,
  ): FakeToken;
  findUserByName(name: string): FakeUser | null;
  tokensOf(userId: string): FakeToken[];
  count(operationId: string): number;
  /**
   * Holds the next request to `operationId` until `release()` (before it is handled): for tests that need a
   * request in flight while something else happens. `arrived` settles when that request comes in.
   */
  holdNext(operationId: string): { arrived: Promise<void>; release(): void };
  close(): Promise<void>;
}

/** 32 lower-case hex: Jellyfin's Guid "N" format. */
function guidN(): string {
  return randomBytes(16).toString('hex');
}

/** WebUtility.UrlDecode: `+` is a space, `%XX` sequences are UTF-8 bytes, anything else stays. */
export function webUtilityUrlDecode(value: string): string {
  return value
    .replace(/\+/g, ' ')
    .replace(/(?:%[0-9a-fA-F]{2})+/g, (sequence) =>
      Buffer.from(sequence.replace(/%/g, ''), 'hex').toString('utf8'),
    );
}

/**
 * AuthorizationContext.GetAuthorization: scheme `MediaBrowser` (or `Emby`, legacy), then GetParts — commas
 * inside quotes allowed, keys trimmed and case-sensitive, values stripped of quotes and URL-decoded.
 */
export function parseMediaBrowserHeader(header: string, allowEmby: boolean): Record<string, string> | null {
  const firstSpace = header.indexOf(' ');
  if (firstSpace === -1) return null;
  const scheme = header.slice(0, firstSpace).toLowerCase();
  if (scheme !== 'mediabrowser' && !(allowEmby && scheme === 'emby')) return null;
  const text = header.slice(firstSpace + 1);
  const result: Record<string, string> = {};
  const value = (from: number, to: number): string =>
    webUtilityUrlDecode(text.slice(from, to).replace(/^"+|"+$/g, ''));
  let escaped = false;
  let start = 0;
  let key = '';
  let index = 0;
  for (; index < text.length; index++) {
    const char = text[index];
    if (char === '"' || char === ',') {
      escaped = !escaped === (char === '"');
      if (char === ',' && !escaped) {
        if (start < index) {
          result[key] = value(start, index);
          key = '';
        }
        start = index + 1;
      }
    } else if (!escaped && char === '=') {
      key = text.slice(start, index).trim();
      start = index + 1;
    }
  }
  if (start < index) result[key] = value(start, index);
  return result;
}

const NOW = (): string => new Date().toISOString();
const NEVER = '0001-01-01T00:00:00.0000000Z';

export async function startFakeJellyfin(options: FakeJellyfinOptions): Promise<FakeJellyfin> {
  const contract = loadJellyfinContract(options.version);
  const legacyAuth = options.version !== '12.0.0'; // 12.0 forces EnableLegacyAuthorization off
  const versionAtLeast1011 = options.version !== '10.10.7'; // Authorization wins over X-Emby-Authorization

  /** Drops fields this version's schema does not have (e.g. MaxParentalSubRating before 10.11). */
  function forVersion(schemaName: string, value: Record<string, unknown>): Record<string, unknown> {
    const properties = contract.schema(schemaName).properties;
    if (typeof properties !== 'object' || properties === null) return value;
    return Object.fromEntries(Object.entries(value).filter(([key]) => key in properties));
  }

  /** UserPolicy's constructor defaults: what a field missing from a POSTed policy becomes. */
  function policyConstructorDefaults(): Record<string, unknown> {
    return forVersion('UserPolicy', {
      ...newUserPolicy(),
      IsHidden: true,
      EnableLiveTvManagement: true,
      MaxParentalRating: null,
      MaxParentalSubRating: null,
      AuthenticationProviderId: '',
      PasswordResetProviderId: '',
    });
  }

  /** A new user's policy: constructor defaults plus AddDefaultPermissions, on the default providers. */
  function newPolicy(): Record<string, unknown> {
    return forVersion('UserPolicy', {
      ...newUserPolicy(),
      AuthenticationProviderId: DEFAULT_AUTH_PROVIDER_ID,
      PasswordResetProviderId: DEFAULT_PASSWORD_RESET_PROVIDER_ID,
    });
  }

  const users = new Map<string, FakeUser>();
  const tokens = new Map<string, FakeToken>();
  const apiKeys: FakeApiKey[] = [];
  const quickConnectRequests = new Map<string, QuickConnectRequest>();
  const passwordChanges: PasswordChange[] = [];
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const serverId = guidN();
  const serverName = `fake-jellyfin-${options.version}`;
  let nextKeyId = 1;

  function isOnDefaultProvider(user: FakeUser): boolean {
    return (
      String(user.policy.AuthenticationProviderId).toLowerCase() === DEFAULT_AUTH_PROVIDER_ID.toLowerCase()
    );
  }

  /** UserManager.ChangePassword: the user's provider does it; InvalidAuthProvider silently does nothing. */
  function changePassword(user: FakeUser, password: string, via: PasswordChange['via']): void {
    const applied = isOnDefaultProvider(user);
    passwordChanges.push({
      userId: user.id,
      via,
      provider: String(user.policy.AuthenticationProviderId),
      applied,
    });
    if (applied) user.password = password === '' ? null : password;
  }

  function hasPassword(user: FakeUser): boolean {
    // InvalidAuthProvider.HasPassword is true; the default provider looks at the stored hash.
    return isOnDefaultProvider(user) ? user.password !== null && user.password !== '' : true;
  }

  function userDto(user: FakeUser): Record<string, unknown> {
    return {
      Name: user.name,
      ServerId: serverId,
      Id: user.id,
      ...(user.image ? { PrimaryImageTag: `${user.id.slice(0, 8)}${user.image.bytes.length}` } : {}),
      HasPassword: hasPassword(user),
      HasConfiguredPassword: hasPassword(user),
      HasConfiguredEasyPassword: false,
      EnableAutoLogin: false,
      ...(user.lastLoginDate
        ? { LastLoginDate: user.lastLoginDate, LastActivityDate: user.lastLoginDate }
        : {}),
      Configuration: user.configuration,
      Policy: user.policy,
    };
  }

  function sessionDto(token: FakeToken, user: FakeUser): Record<string, unknown> {
    return forVersion('SessionInfoDto', {
      PlayState: {
        CanSeek: false,
        IsPaused: false,
        IsMuted: false,
        RepeatMode: 'RepeatNone',
        PlaybackOrder: 'Default',
      },
      AdditionalUsers: [],
      Capabilities: {
        PlayableMediaTypes: [],
        SupportedCommands: [],
        SupportsMediaControl: false,
        SupportsPersistentIdentifier: true,
      },
      RemoteEndPoint: '127.0.0.1',
      PlayableMediaTypes: [],
      Id: token.sessionId,
      UserId: user.id,
      UserName: user.name,
      Client: token.client,
      LastActivityDate: token.created,
      LastPlaybackCheckIn: NEVER,
      DeviceName: token.deviceName,
      DeviceId: token.deviceId,
      ApplicationVersion: token.version,
      IsActive: true,
      SupportsMediaControl: false,
      SupportsRemoteControl: false,
      NowPlayingQueue: [],
      NowPlayingQueueFullItems: [],
      HasCustomDeviceName: false,
      ServerId: serverId,
      SupportedCommands: [],
    });
  }

  function findUserByName(name: string): FakeUser | null {
    const wanted = upperInvariant(name);
    return [...users.values()].find((user) => upperInvariant(user.name) === wanted) ?? null;
  }

  function addUser(input: {
    name: string;
    admin?: boolean;
    password?: string | null;
    policy?: Record<string, unknown>;
  }): FakeUser {
    const user: FakeUser = {
      id: guidN(),
      name: input.name,
      password: input.password ?? null,
      policy: { ...newPolicy(), ...(input.admin ? { IsAdministrator: true } : {}), ...input.policy },
      configuration: newUserConfiguration(),
      image: null,
      lastLoginDate: null,
    };
    users.set(user.id, user);
    return user;
  }

  function addApiKey(name: string): FakeApiKey {
    const key = { id: nextKeyId++, token: guidN(), name, created: NOW() };
    apiKeys.push(key);
    return key;
  }

  /** SessionManager.AuthenticateDirect: logs out the user's tokens on the same DeviceId, then a new one. */
  function mintToken(
    user: FakeUser,
    device: Pick<FakeToken, 'deviceId' | 'deviceName' | 'client' | 'version'>,
  ): FakeToken {
    for (const [value, token] of tokens) {
      if (token.userId === user.id && token.deviceId === device.deviceId) tokens.delete(value);
    }
    const token: FakeToken = {
      token: guidN(),
      userId: user.id,
      sessionId: guidN(),
      created: NOW(),
      ...device,
    };
    tokens.set(token.token, token);
    user.lastLoginDate = token.created;
    return token;
  }

  function tokensOf(userId: string): FakeToken[] {
    return [...tokens.values()].filter((token) => token.userId === userId);
  }

  const admin = addUser({ name: 'admin', admin: true, password: 'admin-password' });
  const adapterKey = addApiKey('jellyfin-sso');

  // -------------------------------------------------------------------------------------------------------
  // Authentication

  function header(request: IncomingMessage, name: string): string | undefined {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  }

  function readAuth(
    request: IncomingMessage,
    query: URLSearchParams,
    label: string,
  ): Record<string, string> | null {
    for (const legacy of ['x-emby-authorization', 'x-emby-token', 'x-mediabrowser-token']) {
      if (header(request, legacy) !== undefined)
        violations.push(`${label}: legacy header ${legacy} sent (only Authorization may be)`);
    }
    if (query.has('api_key') || query.has('ApiKey'))
      violations.push(`${label}: token sent in the query string`);
    const modern = header(request, 'authorization');
    const legacyHeader = legacyAuth ? header(request, 'x-emby-authorization') : undefined;
    const ordered = versionAtLeast1011 ? [modern, legacyHeader] : [legacyHeader, modern];
    const raw = ordered.find((value) => value !== undefined && value !== '');
    if (raw === undefined) return null;
    const parsed = parseMediaBrowserHeader(raw, legacyAuth);
    if (parsed === null) violations.push(`${label}: Authorization header without the MediaBrowser scheme`);
    return parsed;
  }

  function resolve(token: string | undefined): Principal | null | undefined {
    if (token === undefined || token === '') return undefined; // anonymous
    const known = tokens.get(token);
    if (known) {
      const user = users.get(known.userId);
      return user ? { kind: 'user', user, token: known } : null;
    }
    const key = apiKeys.find((entry) => entry.token === token);
    return key ? { kind: 'apiKey', key } : null;
  }

  function isElevated(principal: Principal): boolean {
    return principal.kind === 'apiKey' || principal.user.policy.IsAdministrator === true;
  }

  // -------------------------------------------------------------------------------------------------------
  // Handlers, by operationId

  interface Context {
    matched: MatchedOperation;
    query: URLSearchParams;
    auth: Record<string, string> | null;
    principal: Principal | undefined;
    body: Buffer;
    contentType: string;
    label: string;
  }

  const problem = (status: number, title: string): Reply => ({
    status,
    problem: {
      type: `https://tools.ietf.org/html/rfc9110#section-15.5.${status - 399}`,
      title,
      status,
      traceId: '00-fake',
    },
  });
  const noContent: Reply = { status: 204 };

  function json(context: Context): Record<string, unknown> | null {
    try {
      const value: unknown = JSON.parse(context.body.toString('utf8'));
      return typeof value === 'object' && value !== null && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : null;
    } catch {
      return null;
    }
  }

  function queryValue(context: Context, name: string): string | undefined {
    for (const [key, value] of context.query) if (key.toLowerCase() === name.toLowerCase()) return value;
    return undefined;
  }

  /** RequestHelpers.GetUserId: the caller's own id unless an admin (or API key) names another user. */
  function targetUserId(context: Context, requested: string | undefined): { id: string } | Reply {
    const principal = context.principal;
    if (!principal) return { status: 401 };
    const own = principal.kind === 'user' ? principal.user.id : '00000000000000000000000000000000';
    const id = requested?.replace(/-/g, '').toLowerCase() ?? own;
    if (id !== own && !isElevated(principal)) return { status: 403, json: 'Forbidden' };
    return { id };
  }

  const handlers: Record<string, (context: Context) => Reply> = {
    ...sessionEndHandlers(tokens),
    ...accountHandlers({ users, tokens, isOnDefaultProvider, mintToken, userDto, sessionDto, serverId }),
    GetPublicSystemInfo: () => ({
      status: 200,
      json: {
        LocalAddress: 'http://127.0.0.1:8096',
        ServerName: serverName,
        Version: fake.reportedVersion,
        ProductName: 'Jellyfin Server',
        OperatingSystem: '',
        Id: serverId,
        StartupWizardCompleted: true,
      },
    }),

    GetQuickConnectEnabled: () => ({ status: 200, json: fake.quickConnectEnabled }),

    GetQuickConnectState: (context) =>
      quickConnectState(fake, queryValue(context, 'secret'), () => problem(404, 'Not Found')),

    GetCurrentUser: (context) => {
      const principal = context.principal;
      if (principal?.kind !== 'user') return problem(400, 'Bad Request'); // API key: no user
      return { status: 200, json: userDto(principal.user) };
    },

    GetUsers: (context) => {
      const hidden = queryValue(context, 'isHidden');
      const disabled = queryValue(context, 'isDisabled');
      const list = [...users.values()]
        .filter((user) => hidden === undefined || String(user.policy.IsHidden) === hidden.toLowerCase())
        .filter((user) => disabled === undefined || String(user.policy.IsDisabled) === disabled.toLowerCase())
        .sort((a, b) => a.name.localeCompare(b.name));
      return { status: 200, json: list.map(userDto) };
    },

    GetUserById: (context) => {
      const user = users.get((context.matched.pathParams.userId ?? '').replace(/-/g, '').toLowerCase());
      return user ? { status: 200, json: userDto(user) } : { status: 404, json: 'User not found' };
    },

    DeleteUser: (context) => {
      const user = users.get((context.matched.pathParams.userId ?? '').replace(/-/g, '').toLowerCase());
      if (!user) return { status: 404, json: 'User not found' };
      users.delete(user.id);
      for (const token of tokensOf(user.id)) tokens.delete(token.token);
      return noContent;
    },

    CreateUserByName: (context) => {
      const body = json(context);
      const name = body?.Name;
      if (typeof name !== 'string' || name === '')
        return problem(400, 'One or more validation errors occurred.');
      // UserManager.CreateUserAsync: ArgumentException → 400 text/plain via ExceptionMiddleware
      if (!isValidUserName(name)) {
        return {
          status: 400,
          text: "Usernames can contain unicode symbols, numbers (0-9), dashes (-), underscores (_), apostrophes ('), and periods (.)",
        };
      }
      if (findUserByName(name))
        return { status: 400, text: `A user with the name '${name}' already exists.` };
      const user = addUser({ name });
      if (typeof body?.Password === 'string' && !fake.ignoreCreatePassword)
        changePassword(user, body.Password, 'create');
      return { status: 200, json: userDto(user) };
    },

    UpdateUserPassword: (context) => {
      const target = targetUserId(context, queryValue(context, 'userId'));
      if (!('id' in target)) return target;
      const user = users.get(target.id);
      if (!user) return { status: 404, json: 'User not found' };
      const body = json(context) ?? {};
      if (body.ResetPassword === true) {
        user.password = null; // ResetPassword: empty password, tokens kept
        return noContent;
      }
      if (
        context.principal?.kind === 'user' &&
        !isElevated(context.principal) &&
        body.CurrentPw !== user.password
      ) {
        return { status: 403, json: 'Invalid user or password entered.' };
      }
      changePassword(user, typeof body.NewPw === 'string' ? body.NewPw : '', 'password');
      // RevokeUserTokens(user.Id, currentToken): every other token of the user goes, even if ignored above.
      const current = context.principal?.kind === 'user' ? context.principal.token.token : null;
      for (const token of tokensOf(user.id)) if (token.token !== current) tokens.delete(token.token);
      return noContent;
    },

    UpdateUserPolicy: (context) => {
      const user = users.get((context.matched.pathParams.userId ?? '').replace(/-/g, '').toLowerCase());
      if (!user) return problem(404, 'Not Found');
      const body = json(context);
      const blank = (value: unknown): boolean => typeof value !== 'string' || value.trim() === '';
      // [Required] on both provider ids: model validation answers 400 before the controller runs.
      if (!body || blank(body.AuthenticationProviderId) || blank(body.PasswordResetProviderId)) {
        return problem(400, 'One or more validation errors occurred.');
      }
      const wasAdmin = user.policy.IsAdministrator === true;
      const others = [...users.values()].filter((other) => other.id !== user.id);
      if (
        body.IsAdministrator !== true &&
        wasAdmin &&
        !others.some((other) => other.policy.IsAdministrator === true)
      ) {
        return {
          status: 403,
          json: 'There must be at least one user in the system with administrative access.',
        };
      }
      if (body.IsDisabled === true && wasAdmin)
        return { status: 403, json: 'Administrators cannot be disabled.' };
      if (
        body.IsDisabled === true &&
        user.policy.IsDisabled !== true &&
        !others.some((other) => other.policy.IsDisabled !== true)
      ) {
        return { status: 403, json: 'There must be at least one enabled user in the system.' };
      }
      if (body.IsDisabled === true && user.policy.IsDisabled !== true) {
        for (const token of tokensOf(user.id)) tokens.delete(token.token); // disabling revokes
      }
      // Replace semantics: every field comes from the body, missing ones from the constructor.
      user.policy = { ...policyConstructorDefaults(), ...body };
      return noContent;
    },

    GetKeys: () => ({
      status: 200,
      json: {
        Items: apiKeys.map((key) => ({
          Id: key.id,
          AccessToken: key.token,
          DeviceId: '',
          AppName: key.name,
          AppVersion: '',
          DeviceName: '',
          UserId: '00000000000000000000000000000000',
          IsActive: true,
          DateCreated: key.created,
          DateRevoked: null,
          DateLastActivity: key.created,
          UserName: null,
        })),
        TotalRecordCount: apiKeys.length,
        StartIndex: 0,
      },
    }),

    InitiateQuickConnect: (context) => {
      if (!fake.quickConnectEnabled) return { status: 401, json: 'Quick connect is disabled' };
      if (context.auth?.Token)
        violations.push(`${context.label}: a token was sent to /QuickConnect/Initiate`);
      const fields = ['Client', 'Device', 'DeviceId', 'Version'] as const;
      const missing = fields.filter((field) => !context.auth?.[field]);
      if (missing.length > 0)
        return { status: 400, text: `Value cannot be null or empty. (Parameter '${missing[0]}')` };
      const auth = context.auth ?? {};
      const request: QuickConnectRequest = {
        secret: randomBytes(32).toString('hex'),
        code: String(randomInt(0, 1_000_000)).padStart(6, '0'),
        deviceId: auth.DeviceId ?? '',
        deviceName: auth.Device ?? '',
        appName: auth.Client ?? '',
        appVersion: auth.Version ?? '',
        dateAdded: NOW(),
        result: null,
      };
      quickConnectRequests.set(request.secret, request);
      return { status: 200, json: quickConnectResult(request) };
    },

    AuthorizeQuickConnect: (context) => {
      if (!fake.quickConnectEnabled) return { status: 401, json: 'Quick connect is disabled' };
      expireQuickConnectRequests(quickConnectRequests);
      const target = targetUserId(context, queryValue(context, 'userId'));
      if (!('id' in target)) return target;
      const code = queryValue(context, 'code');
      const request = [...quickConnectRequests.values()].find((entry) => entry.code === code);
      if (!request) return { status: 404, text: 'Unable to find request with provided code' };
      if (request.result) return { status: 500, text: 'Request is already authorized' };
      const user = users.get(target.id);
      if (!user) return { status: 404, text: 'User not found' };
      const max = Number(user.policy.MaxActiveSessions ?? 0);
      if (max > 0 && tokensOf(user.id).length >= max)
        return { status: 403, text: 'User is at their maximum number of sessions.' };
      // The token is minted now, with the device fields captured at Initiate.
      const token = mintToken(user, {
        deviceId: request.deviceId,
        deviceName: request.deviceName,
        client: request.appName,
        version: request.appVersion,
      });
      request.result = {
        User: userDto(user),
        SessionInfo: sessionDto(token, user),
        AccessToken: token.token,
        ServerId: serverId,
      };
      return { status: 200, json: true };
    },

    AuthenticateWithQuickConnect: (context) => {
      if (!fake.quickConnectEnabled)
        return { status: 401, text: 'Quick connect is not enabled on this server' };
      const secret = json(context)?.Secret;
      if (typeof secret !== 'string' || secret === '')
        return problem(400, 'One or more validation errors occurred.');
      expireQuickConnectRequests(quickConnectRequests);
      const request = quickConnectRequests.get(secret);
      if (!request?.result) return { status: 403, text: 'Unknown quick connect secret' };
      return { status: 200, json: request.result };
    },

    GetMediaFolders: (context) => {
      const hidden = queryValue(context, 'isHidden');
      const list = fake.libraries.filter(
        (library) => hidden === undefined || String(library.hidden) === hidden.toLowerCase(),
      );
      return {
        status: 200,
        json: {
          Items: list.map((library) => ({
            Name: library.name,
            ServerId: serverId,
            Id: library.id,
            IsFolder: true,
            Type: 'CollectionFolder',
            CollectionType: library.collectionType,
            ImageTags: {},
            BackdropImageTags: [],
            LocationType: 'FileSystem',
            MediaType: 'Unknown',
          })),
          TotalRecordCount: list.length,
          StartIndex: 0,
        },
      };
    },

    PostUserImage: (context) => {
      const target = targetUserId(context, queryValue(context, 'userId'));
      if (!('id' in target)) return target;
      const user = users.get(target.id);
      if (!user) return { status: 404, json: 'User not found' };
      if (!/^image\//i.test(context.contentType)) return { status: 400, json: 'Incorrect ContentType.' };
      const text = context.body.toString('latin1').trim();
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text))
        return { status: 500, text: 'The input is not a valid Base-64 string.' };
      user.image = {
        contentType: context.contentType.split(';')[0] ?? '',
        bytes: Buffer.from(text, 'base64'),
      };
      return noContent;
    },
  };

  // -------------------------------------------------------------------------------------------------------
  // The HTTP server: validate, resolve the caller, dispatch, validate the answer, record.

  function send(response: ServerResponse, reply: Reply): { contentType: string; body: string } {
    let contentType = '';
    let body = '';
    if (reply.json !== undefined) {
      contentType = 'application/json; charset=utf-8';
      body = JSON.stringify(reply.json);
    } else if (reply.problem) {
      contentType = 'application/problem+json; charset=utf-8';
      body = JSON.stringify(reply.problem);
    } else if (reply.text !== undefined) {
      contentType = 'text/plain; charset=utf-8';
      body = reply.text;
    }
    response.statusCode = reply.status;
    if (contentType) response.setHeader('content-type', contentType);
    response.end(body);
    return { contentType, body };
  }

  const holds = new Map<string, { arrive(): void; released: Promise<void> }>();
  const holdNext = (operationId: string): { arrived: Promise<void>; release(): void } => {
    let arrive = (): void => undefined;
    let release = (): void => undefined;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    holds.set(operationId, { arrive: () => arrive(), released });
    return { arrived, release: () => release() };
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(request.url ?? '/', 'http://fake');
    const method = request.method ?? 'GET';
    const label = `${method} ${url.pathname}`;
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      operationId: null,
      auth: null,
      caller: 'none',
      status: 0,
    };
    requests.push(record);

    violations.push(
      ...contract.validateRequest({
        method,
        path: url.pathname,
        query: url.searchParams,
        headers: request.headers,
        body,
      }),
    );
    const matched = contract.match(method, url.pathname);
    if (!matched) {
      send(response, { status: 404 });
      record.status = 404;
      return;
    }
    record.operationId = matched.operationId;
    const auth = readAuth(request, url.searchParams, label);
    const principal = resolve(auth?.Token ?? url.searchParams.get('ApiKey') ?? undefined);
    record.caller = principal === undefined ? 'none' : principal === null ? 'invalid' : principal.kind;
    record.auth = auth
      ? { ...auth, ...(auth.Token !== undefined ? { Token: `<${record.caller}>` } : {}) }
      : null;

    let reply: Reply;
    const roles = (matched.operation.security ?? []).flatMap((requirement) =>
      Object.values(requirement).flat(),
    );
    const secured = (matched.operation.security ?? []).length > 0;
    if (secured && (principal === undefined || principal === null)) reply = { status: 401 };
    else if (secured && principal?.kind === 'user' && principal.user.policy.IsDisabled === true)
      reply = { status: 401 };
    else if (roles.includes('RequiresElevation') && principal && !isElevated(principal))
      reply = { status: 403 };
    else {
      const hold = holds.get(matched.operationId);
      if (hold !== undefined) {
        holds.delete(matched.operationId);
        hold.arrive();
        await hold.released;
      }
      const handler = handlers[matched.operationId];
      if (!handler) {
        violations.push(
          `${label}: the adapter called ${matched.operationId}, which the fake does not implement`,
        );
        reply = { status: 501, text: 'not implemented by the fake' };
      } else {
        reply = handler({
          matched,
          query: url.searchParams,
          auth,
          principal: principal ?? undefined,
          body,
          contentType: header(request, 'content-type') ?? '',
          label,
        });
      }
    }
    const sent = send(response, reply);
    record.status = reply.status;
    violations.push(...contract.validateResponse(matched, { status: reply.status, ...sent }));
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      violations.push(
        `fake crashed on ${request.method} ${request.url}: ${error instanceof Error ? error.stack : String(error)}`,
      );
      if (!response.headersSent) {
        response.statusCode = 500;
        response.end();
      }
    });
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const { port } = server.address() as AddressInfo;

  const fake: FakeJellyfin = {
    url: `http://127.0.0.1:${port}`,
    version: options.version,
    contract,
    serverId,
    serverName,
    apiKey: adapterKey.token,
    admin,
    reportedVersion: options.reportedVersion ?? contract.document.info.version,
    quickConnectEnabled: options.quickConnectEnabled ?? true,
    ignoreCreatePassword: options.ignoreCreatePassword ?? false,
    users,
    tokens,
    apiKeys,
    quickConnectRequests,
    libraries: [
      { id: guidN(), name: 'Movies', collectionType: 'movies', hidden: false },
      { id: guidN(), name: 'Shows', collectionType: 'tvshows', hidden: false },
      { id: guidN(), name: 'Mixed', collectionType: null, hidden: false },
      { id: guidN(), name: 'Hidden', collectionType: 'homevideos', hidden: true },
    ],
    passwordChanges,
    requests,
    violations,
    addUser,
    addApiKey,
    addToken: (userId, device = {}) => {
      const user = users.get(userId);
      if (!user) throw new Error(`no user ${userId}`);
      return mintToken(user, {
        deviceId: device.deviceId ?? guidN(),
        deviceName: device.deviceName ?? 'Firefox',
        client: device.client ?? 'Jellyfin Web',
        version: device.version ?? '10.10.7',
      });
    },
    findUserByName,
    tokensOf,
    count: (operationId) => requests.filter((entry) => entry.operationId === operationId).length,
    holdNext,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
  return fake;
}

// ---------------------------------------------------------------------------------------------------------
// Quick Connect: expiry and the TV's poll

/** QuickConnectManager's request lifetime. */
const QUICK_CONNECT_TTL_MS = 10 * 60_000;

/** ExpireRequests: requests older than their lifetime are gone (unknown to Authorize, Connect and the exchange). */
function expireQuickConnectRequests(requests: Map<string, QuickConnectRequest>): void {
  const oldest = Date.now() - QUICK_CONNECT_TTL_MS;
  for (const [secret, request] of requests) {
    if (Date.parse(request.dateAdded) < oldest) requests.delete(secret);
  }
}

/** `GET /QuickConnect/Connect?secret=`: the TV's request, `Authenticated` once its code was authorized. */
function quickConnectState(
  fake: Pick<FakeJellyfin, 'quickConnectEnabled' | 'quickConnectRequests'>,
  secret: string | undefined,
  notFound: () => Reply,
): Reply {
  if (!fake.quickConnectEnabled) return { status: 401, json: 'Quick connect is disabled' };
  expireQuickConnectRequests(fake.quickConnectRequests);
  const request = secret === undefined ? undefined : fake.quickConnectRequests.get(secret);
  if (request === undefined) return notFound();
  return { status: 200, json: quickConnectResult(request) };
}

/** Jellyfin's QuickConnectResult of a request. */
function quickConnectResult(request: QuickConnectRequest): Record<string, unknown> {
  return {
    Authenticated: request.result !== null,
    Secret: request.secret,
    Code: request.code,
    DeviceId: request.deviceId,
    DeviceName: request.deviceName,
    AppName: request.appName,
    AppVersion: request.appVersion,
    DateAdded: request.dateAdded,
  };
}

/**
 * Ending sessions. `ReportSessionEnded`: SessionManager.Logout of the caller's own token. `DeleteDevice`
 * (elevated): every token of that device id, whoever holds it; 404 ProblemDetails when it has none.
 */
function sessionEndHandlers(
  tokens: Map<string, FakeToken>,
): Record<string, (context: { principal: Principal | undefined; query: URLSearchParams }) => Reply> {
  return {
    ReportSessionEnded: (context) => {
      if (context.principal?.kind === 'user') tokens.delete(context.principal.token.token);
      return { status: 204 };
    },
    DeleteDevice: (context) => {
      const deviceId = context.query.get('id') ?? '';
      const ofDevice = [...tokens.values()].filter((token) => token.deviceId === deviceId);
      if (ofDevice.length === 0) {
        return {
          status: 404,
          problem: {
            type: 'https://tools.ietf.org/html/rfc9110#section-15.5.5',
            title: 'Not Found',
            status: 404,
          },
        };
      }
      for (const token of ofDevice) tokens.delete(token.token);
      return { status: 204 };
    },
  };
}

/** What the account handlers read of the fake's state. */
interface AccountState {
  users: Map<string, FakeUser>;
  tokens: Map<string, FakeToken>;
  isOnDefaultProvider(user: FakeUser): boolean;
  mintToken(
    user: FakeUser,
    device: Pick<FakeToken, 'deviceId' | 'deviceName' | 'client' | 'version'>,
  ): FakeToken;
  userDto(user: FakeUser): Record<string, unknown>;
  sessionDto(token: FakeToken, user: FakeUser): Record<string, unknown>;
  serverId: string;
}

/**
 * Password sign-in and device listing. `AuthenticateUserByName`: the default provider compares the password
 * (an empty password matches a user without one); a user on any other provider fails (the SSO plugin's
 * provider id names no installed provider, so Jellyfin's InvalidAuthProvider refuses); 401 otherwise.
 * `GetDevices` (elevated): one entry per session of any user, newest activity first (see below).
 */
function accountHandlers(
  state: AccountState,
): Record<
  string,
  (context: { auth: Record<string, string> | null; body: Buffer; query: URLSearchParams }) => Reply
> {
  // The document declares no 401 here; an object body is what its validator takes for an undeclared status.
  const unauthorized: Reply = {
    status: 401,
    problem: {
      type: 'https://tools.ietf.org/html/rfc9110#section-15.5.2',
      title: 'Unauthorized',
      status: 401,
    },
  };
  return {
    AuthenticateUserByName: (context) => {
      const body = JSON.parse(context.body.toString('utf8') || '{}') as { Username?: unknown; Pw?: unknown };
      const name = typeof body.Username === 'string' ? upperInvariant(body.Username) : '';
      const user = [...state.users.values()].find((candidate) => upperInvariant(candidate.name) === name);
      if (!user || user.policy.IsDisabled === true || !state.isOnDefaultProvider(user)) return unauthorized;
      const password = typeof body.Pw === 'string' ? body.Pw : '';
      if ((user.password ?? '') !== password) return unauthorized;
      const auth = context.auth ?? {};
      const token = state.mintToken(user, {
        deviceId: auth.DeviceId ?? '',
        deviceName: auth.Device ?? '',
        client: auth.Client ?? '',
        version: auth.Version ?? '',
      });
      return {
        status: 200,
        json: {
          User: state.userDto(user),
          SessionInfo: state.sessionDto(token, user),
          AccessToken: token.token,
          ServerId: state.serverId,
        },
      };
    },
    // Jellyfin answers the devices the user may *access*, which for any user with EnableAllDevices (the
    // default), an administrator or an API key without userId is every session of every user
    // (DeviceManager.GetDevicesForUser): the fake does the same, so a caller must filter by LastUserId.
    GetDevices: () => {
      const sessions = [...state.tokens.values()].sort(
        (a, b) => b.created.localeCompare(a.created) || a.deviceId.localeCompare(b.deviceId),
      );
      const items = sessions.map((token) => ({
        Id: token.deviceId,
        Name: token.deviceName,
        AppName: token.client,
        AppVersion: token.version,
        LastUserId: token.userId,
        DateLastActivity: token.created,
        Capabilities: { PlayableMediaTypes: [], SupportedCommands: [], SupportsMediaControl: false },
      }));
      return { status: 200, json: { Items: items, TotalRecordCount: items.length, StartIndex: 0 } };
    },
  };
}
