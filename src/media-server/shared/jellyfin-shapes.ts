// Jellyfin's default shapes: a new user's UserPolicy and UserConfiguration, and the PascalCase DTOs of an
// AuthenticationResult, as Jellyfin 10.10/10.11 serialize them. Pure functions, no storage.

import {
  DEFAULT_PASSWORD_RESET_PROVIDER_ID,
  SSO_AUTH_PROVIDER_ID,
  type AuthenticationResult,
  type MediaUser,
  type UserPolicy,
} from '../../sso/ports.js';

/**
 * A new user's policy: UserPolicy's constructor defaults plus what Jellyfin's `AddDefaultPermissions` adds,
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

/** Jellyfin's `UserDto`: the fields a client reads from an AuthenticationResult. */
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

/** Jellyfin's `SessionInfoDto`, reduced to what a client stores. */
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
