// Small helpers every layer shares: the system clock, hex SHA-256 and the JSON-object test. One copy each,
// here in the domain because every other folder may import src/sso/ and it may import nothing else.
import { createHash } from 'node:crypto';
import type { Clock } from './ports.js';

export const systemClock: Clock = { now: () => new Date() };

/** Hex SHA-256 of a UTF-8 string: how tokens, states and cookies are stored (never in clear). */
export function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** A JSON object: not null, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
