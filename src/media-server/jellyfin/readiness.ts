// Readiness of the Jellyfin adapter: does Jellyfin answer, and does it still accept the API key. One call
// that needs the key with administrator rights (`GET /Auth/Keys`), as every admin step of a sign-in does.
import type { JellyfinClient } from './client.js';
import { JellyfinRequestError } from './request.js';

export type JellyfinState = 'up' | 'unreachable' | 'unauthorized';

export async function probeJellyfin(client: JellyfinClient): Promise<JellyfinState> {
  try {
    await client.apiKeys();
    return 'up';
  } catch (error) {
    // 401: the key is unknown or revoked; 403: it lost the rights a sign-in needs.
    const refused = error instanceof JellyfinRequestError && (error.status === 401 || error.status === 403);
    return refused ? 'unauthorized' : 'unreachable';
  }
}
