// A small typed client for the dozen Jellyfin REST endpoints the adapter uses (JELLYFIN-API.md §2, §3, §6),
// written by hand instead of pulling `@jellyfin/sdk` (which needs axios). It owns: the `Authorization:
// MediaBrowser …` header (the only one sent, §1.1), timeouts, reading Jellyfin's error texts, and checking
// the shape of every JSON answer before the adapter trusts it. No policy here: src/media-server/jellyfin/
// server.ts decides what a status means for the SSO use cases.

import { isRecord } from '../../sso/basics.js';
import type { AuthenticationResult, DeviceInfo, UserPolicy } from '../../sso/ports.js';

/** What we call ourselves in Jellyfin's device list and activity log. */
export const CLIENT_NAME = 'jellyfin-sso';
export const CLIENT_VERSION = '0.1.0';
const DEFAULT_TIMEOUT_MS = 10_000;
/** Jellyfin's error texts are short; never carry a huge body into a log or a problem. */
const MAX_MESSAGE_LENGTH = 300;

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** Who a request is sent as. */
export type Caller =
  /** The admin API key, with our own client/device fields. */
  | { kind: 'apiKey' }
  /**
   * A caller's token being checked. Only `Token` is sent: Jellyfin fills the other fields from the token's
   * device row and would *rename* that row after any Device/Version we sent (JELLYFIN-API.md §1.2).
   */
  | { kind: 'token'; token: string }
  /** No token, the browser's device fields (Quick Connect initiate/exchange, §3 option A). */
  | { kind: 'device'; device: DeviceInfo }
  /** No token, our own client fields (anonymous endpoints). */
  | { kind: 'anonymous' };

// ---------------------------------------------------------------------------------------------------------
// The JSON shapes we read. Jellyfin answers PascalCase with N-format GUIDs (§2). Fields we do not read are
// kept (index signatures) so a DTO can be passed on unchanged.

export interface UserDto {
  Id: string;
  Name: string;
  HasPassword?: boolean | null;
  Policy: UserPolicy;
  [field: string]: unknown;
}

export interface PublicSystemInfo {
  Id: string | null;
  ServerName: string | null;
  Version: string | null;
  StartupWizardCompleted: boolean | null;
}

export interface ApiKeyInfo {
  Id: number | null;
  AccessToken: string;
  AppName: string | null;
}

export interface QuickConnectResult {
  Secret: string;
  Code: string;
}

export interface MediaFolder {
  Id: string;
  Name: string;
  CollectionType: string | null;
}

// ---------------------------------------------------------------------------------------------------------
// Errors

/** Why a request failed: no answer, too slow, an unexpected status, or a 2xx with a body we cannot use. */
export type JellyfinFailure = 'network' | 'timeout' | 'status' | 'shape';

/**
 * A request that did not get the answer we expected. `status` is the HTTP status when there was one.
 * `jellyfinMessage` is the text Jellyfin sent (a JSON string, a ProblemDetails title/detail, or plain text),
 * or our description of what went wrong; safe to show an admin.
 */
export class JellyfinRequestError extends Error {
  readonly operation: string;
  readonly failure: JellyfinFailure;
  readonly status: number | null;
  readonly jellyfinMessage: string;

  constructor(
    operation: string,
    failure: JellyfinFailure,
    status: number | null,
    jellyfinMessage: string,
    options?: { cause?: unknown },
  ) {
    super(
      status === null
        ? `Jellyfin ${operation}: ${jellyfinMessage}`
        : `Jellyfin ${operation} answered ${status}${jellyfinMessage ? `: ${jellyfinMessage}` : ''}`,
      options,
    );
    this.name = 'JellyfinRequestError';
    this.operation = operation;
    this.failure = failure;
    this.status = status;
    this.jellyfinMessage = jellyfinMessage;
  }

  /** Jellyfin did not answer (in time), or answered with a server error. */
  get unreachable(): boolean {
    return (
      this.failure === 'network' || this.failure === 'timeout' || (this.status !== null && this.status >= 500)
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// Small readers for unknown JSON (no `any`)

function optionalString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** Whether `value` is a Jellyfin `UserPolicy` as far as the adapter relies on it. */
export function isUserPolicy(value: unknown): value is UserPolicy {
  if (!isRecord(value)) return false;
  for (const field of ['IsAdministrator', 'IsHidden', 'IsDisabled', 'EnableAllFolders'] as const) {
    if (typeof value[field] !== 'boolean') return false;
  }
  return (
    typeof value.AuthenticationProviderId === 'string' &&
    typeof value.PasswordResetProviderId === 'string' &&
    (value.EnabledFolders === undefined ||
      value.EnabledFolders === null ||
      Array.isArray(value.EnabledFolders))
  );
}

export function isUserDto(value: unknown): value is UserDto {
  return (
    isRecord(value) &&
    typeof value.Id === 'string' &&
    typeof value.Name === 'string' &&
    isUserPolicy(value.Policy)
  );
}

function isAuthenticationResult(value: unknown): value is AuthenticationResult {
  return (
    isRecord(value) &&
    isRecord(value.User) &&
    typeof value.User.Id === 'string' &&
    typeof value.User.Name === 'string' &&
    typeof value.AccessToken === 'string' &&
    value.AccessToken !== '' &&
    typeof value.ServerId === 'string' &&
    (value.SessionInfo === null || value.SessionInfo === undefined || isRecord(value.SessionInfo))
  );
}

/**
 * The text of an error answer, whatever form Jellyfin chose: `StatusCode(403, "…")`/`Unauthorized("…")`
 * serialise a JSON string, bare `BadRequest()`/`NotFound()` a ProblemDetails, and ExceptionMiddleware writes
 * text/plain (JELLYFIN-API.md §1.3).
 */
export function errorText(contentType: string, body: string): string {
  let text = body.trim();
  if (/json/i.test(contentType)) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'string') text = parsed;
      else if (isRecord(parsed)) {
        const detail = optionalString(parsed.detail) ?? optionalString(parsed.Message) ?? '';
        const title = optionalString(parsed.title) ?? '';
        text = detail && title ? `${title}: ${detail}` : detail || title;
      }
    } catch {
      // not JSON after all: keep the raw text
    }
  } else if (/html/i.test(contentType)) {
    text = ''; // a proxy's error page says nothing useful and may be large
  }
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)}…` : text;
}

// ---------------------------------------------------------------------------------------------------------
// The Authorization header (JELLYFIN-API.md §1.1)

/**
 * `MediaBrowser Client="…", Device="…", DeviceId="…", Version="…", Token="…"` with every value
 * `encodeURIComponent`-ed, as `@jellyfin/sdk` does: Jellyfin URL-decodes each value (WebUtility.UrlDecode,
 * which also turns `+` into a space), and browser device ids contain `+`, `/` and `=`.
 */
export function authorizationHeader(fields: {
  client?: string;
  device?: string;
  deviceId?: string;
  version?: string;
  token?: string;
}): string {
  const parts: string[] = [];
  const add = (key: string, value: string | undefined): void => {
    // encodeURIComponent throws on a lone surrogate; a browser-supplied device name may contain one.
    const wellFormed = value?.replace(
      /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
      '\uFFFD',
    );
    if (wellFormed !== undefined) parts.push(`${key}="${encodeURIComponent(wellFormed)}"`);
  };
  add('Client', fields.client);
  add('Device', fields.device);
  add('DeviceId', fields.deviceId);
  add('Version', fields.version);
  add('Token', fields.token);
  return `MediaBrowser ${parts.join(', ')}`;
}

// ---------------------------------------------------------------------------------------------------------
// The client

export interface JellyfinClientOptions {
  /** Jellyfin's address as this service reaches it, including any BaseUrl path (`http://jellyfin:8096`). */
  baseUrl: string;
  apiKey: string;
  fetch?: FetchLike;
  /** Per request; default 10 s. */
  timeoutMs?: number;
}

interface RawResponse {
  status: number;
  contentType: string;
  text: string;
  location: string | null;
}

interface RequestSpec {
  operation: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  caller: Caller;
  json?: unknown;
  /** A non-JSON body with its content type (the Base64 text of `POST /UserImage`). */
  text?: { contentType: string; body: string };
}

export interface JellyfinClient {
  readonly baseUrl: string;
  /** `GET /System/Info/Public` (anonymous). */
  publicInfo(): Promise<PublicSystemInfo>;
  /** `GET /QuickConnect/Enabled` (anonymous). */
  quickConnectEnabled(): Promise<boolean>;
  /** `GET /Users/Me` with a caller's token: 200 user, 400 token without a user (API key), 401 unknown. */
  currentUser(token: string): Promise<{ status: 200; user: UserDto } | { status: 400 | 401 }>;
  /** `GET /Auth/Keys` with the API key. */
  apiKeys(): Promise<ApiKeyInfo[]>;
  /** `GET /Users`: every user, hidden and disabled ones included. */
  users(): Promise<UserDto[]>;
  /** `GET /Users/{id}`; null on 404. */
  user(id: string): Promise<UserDto | null>;
  /** `POST /Users/New`. */
  createUser(body: { Name: string; Password?: string }): Promise<UserDto>;
  /** `POST /Users/Password?userId=` as the API key: no current password needed (§2). */
  setPassword(userId: string, newPassword: string): Promise<void>;
  /** `POST /Users/{id}/Policy` with the whole policy (§2.2: replace semantics). */
  setPolicy(userId: string, policy: UserPolicy): Promise<void>;
  /** `DELETE /Users/{id}`. */
  deleteUser(userId: string): Promise<void>;
  /** `POST /QuickConnect/Initiate` with the browser's device fields and no token (§3 step 1). */
  initiateQuickConnect(device: DeviceInfo): Promise<QuickConnectResult>;
  /** `POST /QuickConnect/Authorize?code=&userId=` with the API key (§3 step 2). */
  authorizeQuickConnect(code: string, userId: string): Promise<void>;
  /** `POST /Users/AuthenticateWithQuickConnect` `{ Secret }` with the browser's device fields (§3 step 3). */
  authenticateWithQuickConnect(secret: string, device: DeviceInfo): Promise<AuthenticationResult>;
  /** `GET /Library/MediaFolders?isHidden=false` (§2.3). */
  mediaFolders(): Promise<MediaFolder[]>;
  /** `POST /UserImage?userId=` with the image as Base64 text (§2: FromBase64Transform). */
  setUserImage(userId: string, contentType: string, bytes: Uint8Array): Promise<void>;
}

export function createJellyfinClient(options: JellyfinClientOptions): JellyfinClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  function headerFor(caller: Caller): string {
    switch (caller.kind) {
      case 'apiKey':
        return authorizationHeader({
          client: CLIENT_NAME,
          device: CLIENT_NAME,
          deviceId: CLIENT_NAME,
          version: CLIENT_VERSION,
          token: options.apiKey,
        });
      case 'token':
        return authorizationHeader({ token: caller.token });
      case 'device':
        return authorizationHeader({
          client: caller.device.appName,
          device: caller.device.deviceName,
          deviceId: caller.device.deviceId,
          version: caller.device.appVersion,
        });
      case 'anonymous':
        return authorizationHeader({
          client: CLIENT_NAME,
          device: CLIENT_NAME,
          deviceId: CLIENT_NAME,
          version: CLIENT_VERSION,
        });
    }
  }

  async function send(spec: RequestSpec): Promise<RawResponse> {
    const url = new URL(base + spec.path);
    for (const [key, value] of Object.entries(spec.query ?? {})) url.searchParams.set(key, value);
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: headerFor(spec.caller),
    };
    let body: string | undefined;
    if (spec.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.json);
    } else if (spec.text) {
      headers['content-type'] = spec.text.contentType;
      body = spec.text.body;
    }
    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, {
        method: spec.method,
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
        throw new JellyfinRequestError(spec.operation, 'timeout', null, `no answer within ${timeoutMs} ms`, {
          cause: error,
        });
      }
      const why = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
      throw new JellyfinRequestError(spec.operation, 'network', null, `cannot reach ${base}${why}`, {
        cause: error,
      });
    }
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      text,
      location: response.headers.get('location'),
    };
  }

  function fail(spec: RequestSpec, response: RawResponse): JellyfinRequestError {
    // Redirects are not followed: the API key must not travel to another address. Say where it pointed, so
    // the admin can put the final address in JELLYFIN_URL.
    const message =
      response.status >= 300 && response.status < 400
        ? `redirects to ${response.location ?? '(no Location)'}; set JELLYFIN_URL to the address Jellyfin answers on`
        : errorText(response.contentType, response.text);
    return new JellyfinRequestError(spec.operation, 'status', response.status, message);
  }

  function parse<T>(spec: RequestSpec, response: RawResponse, guard: (value: unknown) => value is T): T {
    let value: unknown;
    try {
      value = JSON.parse(response.text);
    } catch (error) {
      throw new JellyfinRequestError(
        spec.operation,
        'shape',
        null,
        'answered with something that is not JSON',
        {
          cause: error,
        },
      );
    }
    if (!guard(value))
      throw new JellyfinRequestError(spec.operation, 'shape', null, 'answered with an unexpected JSON shape');
    return value;
  }

  /** Sends and insists on one of `ok`; anything else becomes a JellyfinRequestError. */
  async function expect(spec: RequestSpec, ok: number[]): Promise<RawResponse> {
    const response = await send(spec);
    if (!ok.includes(response.status)) throw fail(spec, response);
    return response;
  }

  const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';
  const isUserList = (value: unknown): value is UserDto[] => Array.isArray(value) && value.every(isUserDto);

  return {
    baseUrl: base,

    async publicInfo() {
      const spec: RequestSpec = {
        operation: 'GET /System/Info/Public',
        method: 'GET',
        path: '/System/Info/Public',
        caller: { kind: 'anonymous' },
      };
      const raw = parse(spec, await expect(spec, [200]), isRecord);
      return {
        Id: optionalString(raw.Id),
        ServerName: optionalString(raw.ServerName),
        Version: optionalString(raw.Version),
        StartupWizardCompleted:
          typeof raw.StartupWizardCompleted === 'boolean' ? raw.StartupWizardCompleted : null,
      };
    },

    async quickConnectEnabled() {
      const spec: RequestSpec = {
        operation: 'GET /QuickConnect/Enabled',
        method: 'GET',
        path: '/QuickConnect/Enabled',
        caller: { kind: 'anonymous' },
      };
      return parse(spec, await expect(spec, [200]), isBoolean);
    },

    async currentUser(token) {
      const spec: RequestSpec = {
        operation: 'GET /Users/Me',
        method: 'GET',
        path: '/Users/Me',
        caller: { kind: 'token', token },
      };
      const response = await expect(spec, [200, 400, 401]);
      if (response.status === 200) return { status: 200, user: parse(spec, response, isUserDto) };
      return { status: response.status === 400 ? 400 : 401 };
    },

    async apiKeys() {
      const spec: RequestSpec = {
        operation: 'GET /Auth/Keys',
        method: 'GET',
        path: '/Auth/Keys',
        caller: { kind: 'apiKey' },
      };
      const raw = parse(spec, await expect(spec, [200]), isRecord);
      const items = Array.isArray(raw.Items) ? raw.Items : [];
      return items.filter(isRecord).flatMap((item) =>
        typeof item.AccessToken === 'string'
          ? [
              {
                Id: typeof item.Id === 'number' ? item.Id : null,
                AccessToken: item.AccessToken,
                AppName: optionalString(item.AppName),
              },
            ]
          : [],
      );
    },

    async users() {
      const spec: RequestSpec = {
        operation: 'GET /Users',
        method: 'GET',
        path: '/Users',
        caller: { kind: 'apiKey' },
      };
      return parse(spec, await expect(spec, [200]), isUserList);
    },

    async user(id) {
      const spec: RequestSpec = {
        operation: 'GET /Users/{userId}',
        method: 'GET',
        path: `/Users/${encodeURIComponent(id)}`,
        caller: { kind: 'apiKey' },
      };
      const response = await expect(spec, [200, 404]);
      return response.status === 404 ? null : parse(spec, response, isUserDto);
    },

    async createUser(body) {
      const spec: RequestSpec = {
        operation: 'POST /Users/New',
        method: 'POST',
        path: '/Users/New',
        caller: { kind: 'apiKey' },
        json: body,
      };
      return parse(spec, await expect(spec, [200]), isUserDto);
    },

    async setPassword(userId, newPassword) {
      await expect(
        {
          operation: 'POST /Users/Password',
          method: 'POST',
          path: '/Users/Password',
          query: { userId },
          caller: { kind: 'apiKey' },
          json: { NewPw: newPassword },
        },
        [204],
      );
    },

    async setPolicy(userId, policy) {
      await expect(
        {
          operation: 'POST /Users/{userId}/Policy',
          method: 'POST',
          path: `/Users/${encodeURIComponent(userId)}/Policy`,
          caller: { kind: 'apiKey' },
          json: policy,
        },
        [204],
      );
    },

    async deleteUser(userId) {
      await expect(
        {
          operation: 'DELETE /Users/{userId}',
          method: 'DELETE',
          path: `/Users/${encodeURIComponent(userId)}`,
          caller: { kind: 'apiKey' },
        },
        [204],
      );
    },

    async initiateQuickConnect(device) {
      const spec: RequestSpec = {
        operation: 'POST /QuickConnect/Initiate',
        method: 'POST',
        path: '/QuickConnect/Initiate',
        caller: { kind: 'device', device },
      };
      const raw = parse(spec, await expect(spec, [200]), isRecord);
      if (
        typeof raw.Secret !== 'string' ||
        raw.Secret === '' ||
        typeof raw.Code !== 'string' ||
        raw.Code === ''
      ) {
        throw new JellyfinRequestError(
          spec.operation,
          'shape',
          null,
          'answered without a Quick Connect code and secret',
        );
      }
      return { Secret: raw.Secret, Code: raw.Code };
    },

    async authorizeQuickConnect(code, userId) {
      const spec: RequestSpec = {
        operation: 'POST /QuickConnect/Authorize',
        method: 'POST',
        path: '/QuickConnect/Authorize',
        query: { code, userId },
        caller: { kind: 'apiKey' },
      };
      const authorized = parse(spec, await expect(spec, [200]), isBoolean);
      if (!authorized)
        throw new JellyfinRequestError(
          spec.operation,
          'shape',
          null,
          'did not authorize the Quick Connect request',
        );
    },

    async authenticateWithQuickConnect(secret, device) {
      const spec: RequestSpec = {
        operation: 'POST /Users/AuthenticateWithQuickConnect',
        method: 'POST',
        path: '/Users/AuthenticateWithQuickConnect',
        caller: { kind: 'device', device },
        json: { Secret: secret },
      };
      return parse(spec, await expect(spec, [200]), isAuthenticationResult);
    },

    async mediaFolders() {
      const spec: RequestSpec = {
        operation: 'GET /Library/MediaFolders',
        method: 'GET',
        path: '/Library/MediaFolders',
        query: { isHidden: 'false' },
        caller: { kind: 'apiKey' },
      };
      const raw = parse(spec, await expect(spec, [200]), isRecord);
      const items = Array.isArray(raw.Items) ? raw.Items : [];
      return items
        .filter(isRecord)
        .flatMap((item) =>
          typeof item.Id === 'string' && typeof item.Name === 'string'
            ? [{ Id: item.Id, Name: item.Name, CollectionType: optionalString(item.CollectionType) }]
            : [],
        );
    },

    async setUserImage(userId, contentType, bytes) {
      await expect(
        {
          operation: 'POST /UserImage',
          method: 'POST',
          path: '/UserImage',
          query: { userId },
          caller: { kind: 'apiKey' },
          text: { contentType, body: Buffer.from(bytes).toString('base64') },
        },
        [204],
      );
    },
  };
}
