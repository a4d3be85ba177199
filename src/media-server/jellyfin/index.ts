// The public surface of the Jellyfin adapter (SSO_MEDIA_SERVER=jellyfin): what src/app.ts wires at start-up.
export { createJellyfinServer, type JellyfinServer, type JellyfinServerOptions } from './server.js';
export {
  checkJellyfin,
  JellyfinCheckError,
  MINIMUM_JELLYFIN_VERSION,
  type JellyfinCheckResult,
} from './check.js';
