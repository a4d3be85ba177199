// The logging the Jellyfin adapter needs: a structural subset of pino's Logger, so app.ts can pass its
// logger and tests can pass nothing. Never give it tokens, secrets, Quick Connect codes or passwords.

export interface JellyfinLog {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export const silentLog: JellyfinLog = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
};
