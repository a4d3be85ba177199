// Jellyfin's rules and default shapes that the embedded directory reproduces (JELLYFIN-API.md §2, §4.1):
// the user-name rule and its case-insensitive key, a new user's UserPolicy and UserConfiguration, and the
// PascalCase DTOs of an AuthenticationResult. Pure functions, no storage.

import {
  DEFAULT_PASSWORD_RESET_PROVIDER_ID,
  SSO_AUTH_PROVIDER_ID,
  type AuthenticationResult,
  type MediaUser,
  type UserPolicy,
} from '../../sso/ports.js';

/**
 * Jellyfin's `^(?!\s)[\w\ \-'._@+]+(?<!\s)$` (UserManager.cs). .NET's `\w` is Unicode-aware, so it is
 * spelled out as the categories .NET uses: letters, non-spacing marks, decimal digits, connector punctuation.
 */
const USER_NAME_PATTERN = /^(?!\s)[\p{L}\p{Mn}\p{Nd}\p{Pc} \-'._@+]+(?<!\s)$/u;

export function isValidUserName(name: string): boolean {
  return USER_NAME_PATTERN.test(name);
}

/**
 * .NET `ToUpperInvariant`: simple (one-to-one) case mapping. JS `toUpperCase` does full mapping
 * ("ß" → "SS"), which would make names collide that Jellyfin keeps apart; keep such characters as they are.
 */
export function upperInvariant(value: string): string {
  let out = '';
  for (const char of value) {
    const upper = char.toUpperCase();
    out += [...upper].length === 1 ? upper : char;
  }
  return out;
}

/** Accepts Jellyfin's "N" (32 hex) and "D" (dashed) GUID forms; returns lower-case N, or null. */
export function normalizeGuid(value: string): string | null {
  const compact = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(value)
    ? value.replace(/-/g, '')
    : value;
  return /^[0-9a-fA-F]{32}$/.test(compact) ? compact.toLowerCase() : null;
}

/**
 * A new user's policy: UserPolicy's constructor defaults plus `AddDefaultPermissions` (JELLYFIN-API.md §2.2),
 * with the SSO plugin's provider id, because every user this service creates is an SSO user.
 */
export function newUserPolicy(): UserPolicy {
  return {
    IsAdministrator: false,
    IsHidden: true,
    EnableCollectionManagement: false,
    EnableSubtitleManagement: false,
    EnableLyricManagement: false,
    IsDisabled: false,
    BlockedTags: [],
    AllowedTags: [],
    EnableUserPreferenceAccess: true,
    AccessSchedules: [],
    BlockUnratedItems: [],
    EnableRemoteControlOfOtherUsers: false,
    EnableSharedDeviceControl: true,
    EnableRemoteAccess: true,
    EnableLiveTvManagement: false,
    EnableLiveTvAccess: true,
    EnableMediaPlayback: true,
    EnableAudioPlaybackTranscoding: true,
    EnableVideoPlaybackTranscoding: true,
    EnablePlaybackRemuxing: true,
    ForceRemoteSourceTranscoding: false,
    EnableContentDeletion: false,
    EnableContentDeletionFromFolders: [],
    EnableContentDownloading: true,
    EnableSyncTranscoding: true,
    EnableMediaConversion: true,
    EnabledDevices: [],
    EnableAllDevices: true,
    EnabledChannels: [],
    EnableAllChannels: true,
    EnabledFolders: [],
    EnableAllFolders: true,
    InvalidLoginAttemptCount: 0,
    LoginAttemptsBeforeLockout: -1,
    MaxActiveSessions: 0,
    EnablePublicSharing: true,
    BlockedMediaFolders: [],
    BlockedChannels: [],
    RemoteClientBitrateLimit: 0,
    AuthenticationProviderId: SSO_AUTH_PROVIDER_ID,
    PasswordResetProviderId: DEFAULT_PASSWORD_RESET_PROVIDER_ID,
    SyncPlayAccess: 'CreateAndJoinGroups',
  };
}

/** A new user's `UserConfiguration`, as a fresh Jellyfin 10.10/10.11 user serializes it. */
export function newUserConfiguration(): Record<string, unknown> {
  return {
    PlayDefaultAudioTrack: true,
    SubtitleLanguagePreference: '',
    DisplayMissingEpisodes: false,
    GroupedFolders: [],
    SubtitleMode: 'Default',
    DisplayCollectionsView: false,
    EnableLocalPassword: false,
    OrderedViews: [],
    LatestItemsExcludes: [],
    MyMediaExcludes: [],
    HidePlayedInLatest: true,
    RememberAudioSelections: true,
    RememberSubtitleSelections: true,
    EnableNextEpisodeAutoPlay: true,
    CastReceiverId: 'F007D354',
  };
}

export interface ServerIdentity {
  id: string;
  name: string;
}

export interface UserDtoInput extends MediaUser {
  configuration: Record<string, unknown>;
  lastLoginDate: Date | null;
  lastActivityDate: Date | null;
}

/** Jellyfin's `UserDto` (JELLYFIN-API.md §4.1), the fields the "minimal but faithful" result needs. */
export function toUserDto(user: UserDtoInput, server: ServerIdentity): AuthenticationResult['User'] {
  return {
    Name: user.name,
    ServerId: server.id,
    ServerName: server.name,
    Id: user.id,
    HasPassword: user.hasPassword,
    HasConfiguredPassword: user.hasPassword,
    EnableAutoLogin: false,
    ...(user.lastLoginDate ? { LastLoginDate: user.lastLoginDate.toISOString() } : {}),
    ...(user.lastActivityDate ? { LastActivityDate: user.lastActivityDate.toISOString() } : {}),
    Configuration: user.configuration,
    Policy: user.policy,
  };
}

export interface SessionDtoInput {
  id: string;
  userId: string;
  userName: string;
  client: string;
  deviceId: string;
  deviceName: string;
  appVersion: string;
  lastActivityAt: Date;
}

/** Jellyfin's `SessionInfoDto`, reduced to what a client stores (JELLYFIN-API.md §4.1). */
export function toSessionDto(session: SessionDtoInput, server: ServerIdentity): Record<string, unknown> {
  return {
    PlayableMediaTypes: [],
    Id: session.id,
    UserId: session.userId,
    UserName: session.userName,
    Client: session.client,
    LastActivityDate: session.lastActivityAt.toISOString(),
    DeviceName: session.deviceName,
    DeviceId: session.deviceId,
    ApplicationVersion: session.appVersion,
    IsActive: true,
    ServerId: server.id,
    SupportedCommands: [],
  };
}
