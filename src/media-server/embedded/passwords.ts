// App passwords in the embedded directory: a salted scrypt hash in media_user.password_hash (never the
// password), the default authentication provider while one is set, and the password sign-in an app makes
// (Jellyfin's AuthenticateByName), which only a user on the default provider with a matching hash passes.

import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import {
  DEFAULT_AUTH_PROVIDER_ID,
  SSO_AUTH_PROVIDER_ID,
  type AuthenticationResult,
  type DeviceInfo,
  type MediaUser,
  type UserPolicy,
} from '../../sso/ports.js';
import type { DirectoryContext } from './context.js';
import { normalizeGuid } from '../shared/jellyfin-rules.js';
import { findUserRow, userFromColumns } from './users.js';
import { upperInvariant } from '../shared/jellyfin-rules.js';

/** scrypt cost (N = 2^15, r = 8, p = 1): about 32 MiB and tens of milliseconds per check (RFC 7914 §2). */
const COST = { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_BYTES = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** `scrypt$N$r$p$salt$hash` (base64url): the parameters travel with the hash, so they can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64url');
  const options = { N: Number(n), r: Number(r), p: Number(p), maxmem: COST.maxmem };
  const key = await derive(password, Buffer.from(salt, 'base64url'), options);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

type PolicyUpdate = (userId: string, change: (policy: UserPolicy) => UserPolicy) => Promise<MediaUser>;

const onProvider =
  (provider: string) =>
  (policy: UserPolicy): UserPolicy => ({ ...policy, AuthenticationProviderId: provider });

export async function setAppPassword(
  ctx: DirectoryContext,
  updatePolicy: PolicyUpdate,
  userId: string,
  password: string,
): Promise<void> {
  const hash = await hashPassword(password);
  const user = await updatePolicy(userId, onProvider(DEFAULT_AUTH_PROVIDER_ID));
  await ctx.sql.rows('update media_user set password_hash = ? where id = ?', [hash, user.id]);
}

/** No hash at all: the embedded sign-in refuses a user without one (no empty-password sign-in here). */
export async function clearAppPassword(
  ctx: DirectoryContext,
  updatePolicy: PolicyUpdate,
  userId: string,
): Promise<void> {
  const id = normalizeGuid(userId) ?? userId;
  await ctx.sql.rows('update media_user set password_hash = null where id = ?', [id]);
  await updatePolicy(id, onProvider(SSO_AUTH_PROVIDER_ID));
}

/** The user when name and password match a user on the default provider who is enabled; else null. */
async function checkPassword(ctx: DirectoryContext, name: string, password: string): Promise<string | null> {
  const [row] = await ctx.sql.rows('select * from media_user where normalized_name = ?', [
    upperInvariant(name),
  ]);
  if (row === undefined) return null;
  const user = userFromColumns(row);
  if (user.policy.IsDisabled || user.passwordHash == null) return null;
  if (user.policy.AuthenticationProviderId !== DEFAULT_AUTH_PROVIDER_ID) return null;
  return (await verifyPassword(password, user.passwordHash)) ? user.id : null;
}

export async function authenticateByName(
  ctx: DirectoryContext,
  createSession: (userId: string, device: DeviceInfo) => Promise<AuthenticationResult>,
  input: { name: string; password: string; device: DeviceInfo },
): Promise<AuthenticationResult | null> {
  const userId = await checkPassword(ctx, input.name, input.password);
  if (userId === null || (await findUserRow(ctx.sql, userId)) === null) return null;
  return createSession(userId, input.device);
}
