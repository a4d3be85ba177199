// The structured JSON logger (pino). Secrets never reach it: the redaction list below is a second line of
// defence behind the rule that code never logs tokens, codes, assertions or secrets.
import { pino, type Logger, type DestinationStream } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

const REDACTED_PATHS = [
  'token',
  'accessToken',
  'AccessToken',
  'oidSecret',
  'clientSecret',
  'secret',
  'password',
  'authorization',
  'headers.authorization',
  'headers["x-emby-authorization"]',
  'headers["x-emby-token"]',
  'headers["x-mediabrowser-token"]',
  'headers.cookie',
  'SAMLResponse',
];

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'jellyfin-sso' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
