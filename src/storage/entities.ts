// The database schema, as MikroORM entities declared with `defineEntity` (no decorators: they break under
// tsx). The migrations in ./migrations/<dialect>/ must produce exactly this schema;
// test/storage/schema.test.ts checks that on both dialects.
//
// Tables prefixed `sso_` belong to the SSO core (providers, flows, links, replay cache, meta); tables
// prefixed `media_` are the embedded media-server directory (users, API keys, sessions, libraries, avatars).
// Dates are real datetime columns (sqlite: integer ms, as MikroORM stores them; postgres: timestamptz(6)),
// so they round-trip to the millisecond.

import { defineEntity, type InferEntity } from '@mikro-orm/core';
import type { UserPolicy, VerifiedIdentity } from '../sso/ports.js';
import type { ProviderSettings } from '../sso/provider-settings.js';

// ---------------------------------------------------------------------------------------------------------
// SSO core

export const ProviderEntity = defineEntity({
  name: 'Provider',
  tableName: 'sso_provider',
  properties: (p) => ({
    id: p.string().length(36).primary(),
    protocol: p.string().length(8),
    // Provider names are case-sensitive and free text (docs/plugin-compatibility.md §2.1): `text`, no length limit.
    name: p.text(),
    settings: p.json<ProviderSettings>(),
    /** SecretBox-sealed JSON of ProviderSecrets; never clear text. */
    secrets: p.text(),
    version: p.string().length(36),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  }),
  uniques: [{ properties: ['protocol', 'name'], name: 'sso_provider_protocol_name_unique' }],
});
export type ProviderRow = InferEntity<typeof ProviderEntity>;

export const LoginFlowEntity = defineEntity({
  name: 'LoginFlow',
  tableName: 'sso_login_flow',
  properties: (p) => ({
    id: p.string().length(64).primary(),
    // mapToPk: the property is the provider id itself; the FK deletes flows with their provider.
    provider: p.manyToOne(ProviderEntity).mapToPk().deleteRule('cascade').updateRule('cascade'),
    providerName: p.text(),
    protocol: p.string().length(8),
    purpose: p.string().length(8),
    status: p.string().length(12),
    stateHash: p.string().length(128),
    browserHash: p.string().length(128),
    samlRequestId: p.text().nullable(),
    /** SecretBox-sealed JSON of FlowSecrets (PKCE verifier, nonce, …). */
    secrets: p.text(),
    identity: p.json<VerifiedIdentity>().nullable(),
    tokenHash: p.string().length(128).nullable(),
    /** While `claimed`: the Auth attempt holding the flow, and until when (a dead attempt's claim lapses). */
    attemptId: p.string().length(64).nullable(),
    leaseExpiresAt: p.datetime().nullable(),
    /** Keyed hash of the client (address or IPv6 /64) that started the flow: never the address itself. */
    clientHash: p.string().length(64).nullable(),
    createdAt: p.datetime(),
    expiresAt: p.datetime(),
  }),
  uniques: [
    { properties: ['stateHash'], name: 'sso_login_flow_state_hash_unique' },
    // NULLs are distinct in a unique index on both dialects: many flows may have no token yet.
    { properties: ['tokenHash'], name: 'sso_login_flow_token_hash_unique' },
  ],
  indexes: [
    { properties: ['provider', 'samlRequestId'], name: 'sso_login_flow_provider_saml_request_index' },
    { properties: ['expiresAt'], name: 'sso_login_flow_expires_at_index' },
    // The open flows of one client are counted on every start.
    { properties: ['clientHash', 'expiresAt'], name: 'sso_login_flow_client_hash_expires_at_index' },
  ],
});
export type LoginFlowRow = InferEntity<typeof LoginFlowEntity>;

export const AccountLinkEntity = defineEntity({
  name: 'AccountLink',
  tableName: 'sso_account_link',
  properties: (p) => ({
    id: p.string().length(36).primary(),
    provider: p.manyToOne(ProviderEntity).mapToPk().deleteRule('cascade').updateRule('cascade'),
    subject: p.text(),
    // Not a foreign key: with the jellyfin adapter the users live in Jellyfin, not here.
    userId: p.string().length(64),
    label: p.text().nullable(),
    /**
     * Set while a first sign-in (or a re-point) holds the link before its user exists: the claim's id and
     * until when it holds (a dead claimant's claim lapses). A fresh claim's userId is '' until completed.
     */
    claimId: p.string().length(64).nullable(),
    claimExpiresAt: p.datetime().nullable(),
    createdAt: p.datetime(),
  }),
  uniques: [{ properties: ['provider', 'subject'], name: 'sso_account_link_provider_subject_unique' }],
  indexes: [{ properties: ['userId'], name: 'sso_account_link_user_id_index' }],
});
export type AccountLinkRow = InferEntity<typeof AccountLinkEntity>;

export const ReplayEntryEntity = defineEntity({
  name: 'ReplayEntry',
  tableName: 'sso_replay_entry',
  properties: (p) => ({
    key: p.text().primary(),
    expiresAt: p.datetime(),
  }),
  indexes: [{ properties: ['expiresAt'], name: 'sso_replay_entry_expires_at_index' }],
});
export type ReplayEntryRow = InferEntity<typeof ReplayEntryEntity>;

/**
 * The media-server sessions SSO sign-ins made (SsoSessionStore), one per (user, device): what a logout ends.
 * The id is a hash of (user, device), so a new sign-in on a device replaces its record in one upsert.
 */
export const SsoSessionEntity = defineEntity({
  name: 'SsoSession',
  tableName: 'sso_session',
  properties: (p) => ({
    id: p.string().length(64).primary(),
    userId: p.string().length(64),
    deviceId: p.text(),
    // The records die with their provider, as its links do.
    provider: p.manyToOne(ProviderEntity).mapToPk().deleteRule('cascade').updateRule('cascade'),
    protocol: p.string().length(8),
    subject: p.text(),
    sid: p.text().nullable(),
    /** SecretBox-sealed OIDC ID token (bound to the row's id); never clear text. */
    idToken: p.text().nullable(),
    nameIdFormat: p.text().nullable(),
    createdAt: p.datetime(),
    expiresAt: p.datetime(),
  }),
  indexes: [
    { properties: ['provider', 'subject'], name: 'sso_session_provider_subject_index' },
    { properties: ['provider', 'sid'], name: 'sso_session_provider_sid_index' },
    { properties: ['expiresAt'], name: 'sso_session_expires_at_index' },
  ],
});
export type SsoSessionRow = InferEntity<typeof SsoSessionEntity>;

/** The sign-in activity log (src/sso/activity.ts): one row per login attempt's outcome, nothing secret. */
export const ActivityEntryEntity = defineEntity({
  name: 'ActivityEntry',
  tableName: 'sso_activity',
  properties: (p) => ({
    /** 13 digits of milliseconds then 16 hex digits: the newest-first order and the paging cursor. */
    id: p.string().length(29).primary(),
    time: p.datetime(),
    protocol: p.string().length(8),
    provider: p.text(),
    step: p.string().length(16),
    outcome: p.string().length(8),
    code: p.string().length(32).nullable(),
    reason: p.string().length(64).nullable(),
    message: p.text(),
    rule: p.text().nullable(),
    subject: p.text().nullable(),
    username: p.text().nullable(),
    userId: p.text().nullable(),
    clientAddress: p.string().length(100),
    requestId: p.string().length(100),
    linking: p.boolean(),
  }),
  indexes: [
    { properties: ['time'], name: 'sso_activity_time_index' },
    { properties: ['provider', 'id'], name: 'sso_activity_provider_id_index' },
  ],
});
export type ActivityEntryRow = InferEntity<typeof ActivityEntryEntity>;

/** Small key/value facts about this installation (key check, embedded server id and name). */
export const MetaEntity = defineEntity({
  name: 'Meta',
  tableName: 'sso_meta',
  properties: (p) => ({
    key: p.string().length(64).primary(),
    value: p.text(),
  }),
});
export type MetaRow = InferEntity<typeof MetaEntity>;

// ---------------------------------------------------------------------------------------------------------
// Embedded media-server directory (docs/ARCHITECTURE.md "Media server")

export const MediaUserEntity = defineEntity({
  name: 'MediaUser',
  tableName: 'media_user',
  properties: (p) => ({
    /** 32 lower-case hex, Jellyfin's "N" GUID format. */
    id: p.string().length(32).primary(),
    name: p.text(),
    /** Jellyfin's uniqueness key: the name upper-cased (invariant culture). */
    normalizedName: p.text(),
    policy: p.json<UserPolicy>(),
    configuration: p.json<Record<string, unknown>>(),
    passwordHash: p.text().nullable(),
    createdAt: p.datetime(),
    lastLoginDate: p.datetime().nullable(),
    lastActivityDate: p.datetime().nullable(),
  }),
  uniques: [{ properties: ['normalizedName'], name: 'media_user_normalized_name_unique' }],
});
export type MediaUserRow = InferEntity<typeof MediaUserEntity>;

export const ApiKeyEntity = defineEntity({
  name: 'ApiKey',
  tableName: 'media_api_key',
  properties: (p) => ({
    id: p.string().length(32).primary(),
    name: p.text(),
    /** SHA-256 (hex) of the key; the key itself is shown once and never stored. */
    tokenHash: p.string().length(64),
    createdAt: p.datetime(),
    revokedAt: p.datetime().nullable(),
  }),
  uniques: [{ properties: ['tokenHash'], name: 'media_api_key_token_hash_unique' }],
});
export type ApiKeyRow = InferEntity<typeof ApiKeyEntity>;

export const MediaSessionEntity = defineEntity({
  name: 'MediaSession',
  tableName: 'media_session',
  properties: (p) => ({
    id: p.string().length(32).primary(),
    /** SHA-256 (hex) of the access token. */
    tokenHash: p.string().length(64),
    user: p.manyToOne(MediaUserEntity).mapToPk().deleteRule('cascade').updateRule('cascade'),
    deviceId: p.text(),
    deviceName: p.text(),
    client: p.text(),
    appVersion: p.text(),
    createdAt: p.datetime(),
    lastActivityAt: p.datetime(),
  }),
  uniques: [{ properties: ['tokenHash'], name: 'media_session_token_hash_unique' }],
  indexes: [{ properties: ['user', 'deviceId'], name: 'media_session_user_device_index' }],
});
export type MediaSessionRow = InferEntity<typeof MediaSessionEntity>;

export const LibraryEntity = defineEntity({
  name: 'Library',
  tableName: 'media_library',
  properties: (p) => ({
    id: p.string().length(32).primary(),
    name: p.text(),
    collectionType: p.string().length(32).nullable(),
    /** The admin's order, kept as given. */
    position: p.integer(),
  }),
});
export type LibraryRow = InferEntity<typeof LibraryEntity>;

export const AvatarEntity = defineEntity({
  name: 'Avatar',
  tableName: 'media_avatar',
  properties: (p) => ({
    user: p.manyToOne(MediaUserEntity).mapToPk().primary().deleteRule('cascade').updateRule('cascade'),
    contentType: p.string().length(64),
    bytes: p.blob(),
    updatedAt: p.datetime(),
  }),
});
export type AvatarRow = InferEntity<typeof AvatarEntity>;

export const allEntities = [
  ProviderEntity,
  LoginFlowEntity,
  AccountLinkEntity,
  ReplayEntryEntity,
  ActivityEntryEntity,
  SsoSessionEntity,
  MetaEntity,
  MediaUserEntity,
  ApiKeyEntity,
  MediaSessionEntity,
  LibraryEntity,
  AvatarEntity,
];
