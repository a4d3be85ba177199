// Process entry: configuration → app → listen; SIGINT/SIGTERM close the server and the database cleanly.
import { ConfigError, loadConfig } from './config.js';
import { createApp, startupRefusal } from './app.js';
import { createLogger } from './logger.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  let app;
  try {
    app = await createApp({ config, log });
  } catch (error) {
    const refusal = startupRefusal(error);
    if (refusal !== null) {
      process.stderr.write(`${refusal}\n`);
      process.exit(2);
    }
    throw error;
  }
  const { port } = await app.listen();
  log.info(
    { port, host: config.host, publicUrl: config.publicUrl, mediaServer: config.mediaServer },
    `jellyfin-sso listening on http://${config.host}:${port} (public URL ${config.publicUrl})`,
  );
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `jellyfin-sso failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
