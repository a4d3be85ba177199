// The typed client for the Jellyfin REST endpoints the adapter uses, one short entry per endpoint over the
// request helper (request.ts). No policy here: server.ts decides what a status means for the SSO use cases.

import type { AuthenticationResult, DeviceInfo, UserPolicy } from '../../sso/ports.js';
import { isRecord } from '../../sso/basics.js';
import {
  isAuthenticationResult,
  isBoolean,
  isUserDto,
  isUserList,
  readApiKeys,
  readMediaFolders,
  readPublicInfo,
  type ApiKeyInfo,
  type CurrentUser,
  type MediaFolder,
  type PublicSystemInfo,
  type QuickConnectResult,
  type UserDto,
} from './dto.js';
import { createRequest, jsonBody, noContent, type Request, type RequestOptions } from './request.js';

export type JellyfinClientOptions = RequestOptions;

export interface JellyfinClient {
  readonly baseUrl: string;
  /** `GET /System/Info/Public` (anonymous). */
  publicInfo(): Promise<PublicSystemInfo>;
  /** `GET /QuickConnect/Enabled` (anonymous). */
  quickConnectEnabled(): Promise<boolean>;
  /** `GET /Auth/Keys` with the API key. */
  apiKeys(): Promise<ApiKeyInfo[]>;
  /** `GET /Library/MediaFolders?isHidden=false`: the libraries users can be given. */
  mediaFolders(): Promise<MediaFolder[]>;
  /** `GET /Users/Me` with a caller's token: 200 user, 400 token without a user (API key), 401 unknown. */
  currentUser(token: string): Promise<CurrentUser>;
  /** `GET /Users`: every user, hidden and disabled ones included. */
  users(): Promise<UserDto[]>;
  /** `GET /Users/{id}`; null on 404. */
  user(id: string): Promise<UserDto | null>;
  /** `POST /Users/New`. */
  createUser(body: { Name: string; Password?: string }): Promise<UserDto>;
  /** `POST /Users/Password?userId=` as the API key: no current password needed. */
  setPassword(userId: string, newPassword: string): Promise<void>;
  /** `POST /Users/{id}/Policy` with the whole policy (the POST replaces every field). */
  setPolicy(userId: string, policy: UserPolicy): Promise<void>;
  /** `DELETE /Users/{id}`. */
  deleteUser(userId: string): Promise<void>;
  /** `POST /UserImage?userId=` with the image as Base64 text (Jellyfin decodes the body from Base64). */
  setUserImage(userId: string, contentType: string, bytes: Uint8Array): Promise<void>;
  /** `POST /QuickConnect/Initiate` with the browser's device fields and no token. */
  initiateQuickConnect(device: DeviceInfo): Promise<QuickConnectResult>;
  /** `POST /QuickConnect/Authorize?code=&userId=` with the API key: approves on the user's behalf. */
  authorizeQuickConnect(code: string, userId: string): Promise<void>;
  /** `POST /Users/AuthenticateWithQuickConnect` `{ Secret }` with the browser's device fields. */
  authenticateWithQuickConnect(secret: string, device: DeviceInfo): Promise<AuthenticationResult>;
  /** `POST /Sessions/Logout` with a user's token: ends that session. A token Jellyfin no longer knows (401) too. */
  logoutSession(token: string): Promise<void>;
  /** `DELETE /Devices?id=` with the API key: ends every session of the device. An unknown device (404) too. */
  deleteDevice(deviceId: string): Promise<void>;
}

export function createJellyfinClient(options: JellyfinClientOptions): JellyfinClient {
  const { baseUrl, request } = createRequest(options);
  return {
    baseUrl,
    ...systemEndpoints(request),
    ...userEndpoints(request),
    ...quickConnectEndpoints(request),
    ...sessionEndEndpoints(request),
  };
}

const API_KEY = { kind: 'apiKey' } as const;
const ANONYMOUS = { kind: 'anonymous' } as const;

type SystemEndpoints = Pick<
  JellyfinClient,
  'publicInfo' | 'quickConnectEnabled' | 'apiKeys' | 'mediaFolders'
>;

function systemEndpoints(request: Request): SystemEndpoints {
  return {
    publicInfo: async () =>
      readPublicInfo(
        await request({ method: 'GET', path: '/System/Info/Public', caller: ANONYMOUS }, jsonBody(isRecord)),
      ),
    quickConnectEnabled: () =>
      request({ method: 'GET', path: '/QuickConnect/Enabled', caller: ANONYMOUS }, jsonBody(isBoolean)),
    apiKeys: async () =>
      readApiKeys(await request({ method: 'GET', path: '/Auth/Keys', caller: API_KEY }, jsonBody(isRecord))),
    mediaFolders: async () =>
      readMediaFolders(
        await request(
          { method: 'GET', path: '/Library/MediaFolders', query: { isHidden: 'false' }, caller: API_KEY },
          jsonBody(isRecord),
        ),
      ),
  };
}

type UserEndpoints = Pick<
  JellyfinClient,
  | 'currentUser'
  | 'users'
  | 'user'
  | 'createUser'
  | 'setPassword'
  | 'setPolicy'
  | 'deleteUser'
  | 'setUserImage'
>;

function userEndpoints(request: Request): UserEndpoints {
  return {
    currentUser: (token) =>
      request<CurrentUser>(
        { method: 'GET', path: '/Users/Me', caller: { kind: 'token', token } },
        {
          200: (answer) => ({ status: 200, user: answer.json(isUserDto) }),
          400: () => ({ status: 400 }),
          401: () => ({ status: 401 }),
        },
      ),
    users: () => request({ method: 'GET', path: '/Users', caller: API_KEY }, jsonBody(isUserList)),
    user: (userId) =>
      request<UserDto | null>(
        { method: 'GET', path: '/Users/{userId}', params: { userId }, caller: API_KEY },
        { 200: (answer) => answer.json(isUserDto), 404: () => null },
      ),
    createUser: (body) =>
      request({ method: 'POST', path: '/Users/New', caller: API_KEY, json: body }, jsonBody(isUserDto)),
    setPassword: (userId, newPassword) =>
      request(
        {
          method: 'POST',
          path: '/Users/Password',
          query: { userId },
          caller: API_KEY,
          json: { NewPw: newPassword },
        },
        noContent,
      ),
    setPolicy: (userId, policy) =>
      request(
        { method: 'POST', path: '/Users/{userId}/Policy', params: { userId }, caller: API_KEY, json: policy },
        noContent,
      ),
    deleteUser: (userId) =>
      request({ method: 'DELETE', path: '/Users/{userId}', params: { userId }, caller: API_KEY }, noContent),
    setUserImage: (userId, contentType, bytes) =>
      request(
        {
          method: 'POST',
          path: '/UserImage',
          query: { userId },
          caller: API_KEY,
          text: { contentType, body: Buffer.from(bytes).toString('base64') },
        },
        noContent,
      ),
  };
}

type QuickConnectEndpoints = Pick<
  JellyfinClient,
  'initiateQuickConnect' | 'authorizeQuickConnect' | 'authenticateWithQuickConnect'
>;

function quickConnectEndpoints(request: Request): QuickConnectEndpoints {
  return {
    initiateQuickConnect: (device) =>
      request(
        { method: 'POST', path: '/QuickConnect/Initiate', caller: { kind: 'device', device } },
        {
          200: (answer) => {
            const raw = answer.json(isRecord);
            if (
              typeof raw.Secret !== 'string' ||
              raw.Secret === '' ||
              typeof raw.Code !== 'string' ||
              raw.Code === ''
            )
              throw answer.unexpected('answered without a Quick Connect code and secret');
            return { Secret: raw.Secret, Code: raw.Code };
          },
        },
      ),
    authorizeQuickConnect: (code, userId) =>
      request(
        { method: 'POST', path: '/QuickConnect/Authorize', query: { code, userId }, caller: API_KEY },
        {
          200: (answer) => {
            if (!answer.json(isBoolean))
              throw answer.unexpected('did not authorize the Quick Connect request');
          },
        },
      ),
    authenticateWithQuickConnect: (secret, device) =>
      request(
        {
          method: 'POST',
          path: '/Users/AuthenticateWithQuickConnect',
          caller: { kind: 'device', device },
          json: { Secret: secret },
        },
        jsonBody(isAuthenticationResult),
      ),
  };
}

/** Ending sessions: either way, a session already gone is what was asked for. */
function sessionEndEndpoints(request: Request): Pick<JellyfinClient, 'logoutSession' | 'deleteDevice'> {
  return {
    logoutSession: (token) =>
      request(
        { method: 'POST', path: '/Sessions/Logout', caller: { kind: 'token', token } },
        { 204: () => undefined, 401: () => undefined },
      ),
    deleteDevice: (deviceId) =>
      request(
        { method: 'DELETE', path: '/Devices', query: { id: deviceId }, caller: API_KEY },
        { 204: () => undefined, 404: () => undefined },
      ),
  };
}
