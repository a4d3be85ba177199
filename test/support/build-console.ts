// Vitest global setup: builds the admin console when its sources are newer than dist/console/, so the
// browser tests never run against a stale bundle.
import { buildConsole } from '../../scripts/build-console.js';

export default async function setup(): Promise<void> {
  await buildConsole();
}
