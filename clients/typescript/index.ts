// Entry point of the typed client: createSsoClient() wires the generated fetch client (src/, generated
// from openapi.yaml, never edited by hand) to a base URL and a Jellyfin credential.
import { createClient, type Client, type Config } from './src/client/index.js';

export * from './src/sdk.gen.js';
export type * from './src/types.gen.js';
export type { Client } from './src/client/index.js';

export interface SsoClientOptions {
  /** Where the service is reached, e.g. `https://jellyfin.example.com` (behind the reverse proxy). */
  baseUrl: string;
  /** A Jellyfin access token or API key; sent as `Authorization: MediaBrowser Token="…"`. */
  token?: string;
  /** Extra client settings (custom fetch, headers, …). */
  config?: Omit<Config, 'baseUrl' | 'auth'>;
}

/** The `Authorization` header value Jellyfin expects for a token (values are URL-encoded). */
export function mediaBrowserAuthorization(token: string): string {
  return `MediaBrowser Token="${encodeURIComponent(token)}"`;
}

/**
 * A client for one service. Pass it to every SDK function as `{ client }`.
 * Only the modern `Authorization` header is sent, never the legacy forms.
 */
export function createSsoClient({ baseUrl, token, config }: SsoClientOptions): Client {
  return createClient({
    ...config,
    baseUrl,
    auth: (scheme) =>
      token !== undefined && scheme.in !== 'query' && (scheme.name ?? 'Authorization') === 'Authorization'
        ? mediaBrowserAuthorization(token)
        : undefined,
  });
}
