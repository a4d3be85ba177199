// The JSON shapes the Jellyfin client reads, and the guards that check each answer before the adapter
// trusts it.
//
// Jellyfin answers PascalCase with N-format GUIDs; fields we do not read are kept (index signatures) so a DTO
// can be passed on unchanged.

import { isRecord } from '../../sso/basics.js';
import type { AuthenticationResult, UserPolicy } from '../../sso/ports.js';
import { optionalString } from './request.js';

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

/** `GET /Users/Me`: 200 with the user, 400 for a token without a user (an API key), 401 for an unknown one. */
export type CurrentUser = { status: 200; user: UserDto } | { status: 400 | 401 };

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

export const isUserList = (value: unknown): value is UserDto[] =>
  Array.isArray(value) && value.every(isUserDto);

export const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';

export function isAuthenticationResult(value: unknown): value is AuthenticationResult {
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

/** `/System/Info/Public`; a field that is absent or of another type reads as null. */
export function readPublicInfo(raw: Record<string, unknown>): PublicSystemInfo {
  return {
    Id: optionalString(raw.Id),
    ServerName: optionalString(raw.ServerName),
    Version: optionalString(raw.Version),
    StartupWizardCompleted:
      typeof raw.StartupWizardCompleted === 'boolean' ? raw.StartupWizardCompleted : null,
  };
}

/** The `Items` of a query result that are records (entries of another shape are skipped). */
function items(raw: Record<string, unknown>): Record<string, unknown>[] {
  return Array.isArray(raw.Items) ? raw.Items.filter(isRecord) : [];
}

/** `/Auth/Keys`: keys without an access token are skipped. */
export function readApiKeys(raw: Record<string, unknown>): ApiKeyInfo[] {
  return items(raw).flatMap((item) =>
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
}

/** `/Library/MediaFolders`: folders without an id or a name are skipped. */
export function readMediaFolders(raw: Record<string, unknown>): MediaFolder[] {
  return items(raw).flatMap((item) =>
    typeof item.Id === 'string' && typeof item.Name === 'string'
      ? [{ Id: item.Id, Name: item.Name, CollectionType: optionalString(item.CollectionType) }]
      : [],
  );
}
