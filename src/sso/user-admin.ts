// Unregister (docs/plugin-compatibility.md §11, docs/jellyfin-api.md §5): hands a user to another authentication
// provider, e.g. Jellyfin's default one so password login works again. Persisted through the media
// server's policy write (the plugin's version silently did not persist on 10.11). Links stay.
import { SsoError, invalidField } from './errors.js';
import type { MediaServer, MediaUser } from './ports.js';

export interface UserAdmin {
  setAuthenticationProvider(username: string, providerId: unknown): Promise<MediaUser>;
}

export function createUserAdmin(deps: { mediaServer: MediaServer }): UserAdmin {
  return {
    async setAuthenticationProvider(username, providerId) {
      if (typeof providerId !== 'string' || providerId.trim() === '') {
        throw invalidField('/body', 'must be a JSON string naming an authentication provider id', 'admin');
      }
      const user = await deps.mediaServer.getUserByName(username);
      if (user === null) throw new SsoError('user_not_found', `There is no user named "${username}".`);
      const id = providerId.trim();
      return deps.mediaServer.updatePolicy(user.id, (policy) => ({
        ...policy,
        AuthenticationProviderId: id,
      }));
    },
  };
}
