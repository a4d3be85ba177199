// Process entry: configuration → app → listen; SIGINT/SIGTERM close the server and the database cleanly,
// within SSO_SHUTDOWN_TIMEOUT.
// `npm start` runs it compiled (dist/server/main.js, scripts/build-server.ts); `npm run dev` through tsx.
// Every way start-up can fail ends the same way: one line on stderr that says what to change, a non-zero
// exit, and no stack trace unless LOG_LEVEL is debug or trace (a refusal is not a crash).
import { ConfigError, loadConfig, type Config } from './config.js';
import { createApp, startupRefusal, type App } from './app.js';
import { constants } from 'node:os';
import { createLogger, type Logger } from './logger.js';
import { asksForHelp, START_USAGE } from './usage.js';

/** Exit status of a refusal caused by the settings or the environment; 1 is left for crashes. */
const EXIT_REFUSED = 2;

/** Writes the one-line reason (and the stack at LOG_LEVEL=debug/trace); returns the exit status. */
function reportStartFailure(error: unknown, listenAt?: { host: string; port: number }): number {
  const refusal = error instanceof ConfigError ? error.message : startupRefusal(error, listenAt);
  const message =
    refusal ?? `jellyfin-sso failed to start: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(`${message}\n`);
  // LOG_LEVEL is read raw: the configuration itself may be what failed.
  if (/^(debug|trace)$/.test(process.env['LOG_LEVEL']?.trim() ?? '') && error instanceof Error) {
    process.stderr.write(`${error.stack ?? ''}\n`);
  }
  return refusal === null ? 1 : EXIT_REFUSED;
}

/**
 * A second signal this long after the first stops at once. Sooner, it is the same request: a terminal's
 * Ctrl-C reaches npm and node together, and npm forwards it to node again.
 */
const INSIST_AFTER_MS = 500;

/**
 * Past SSO_SHUTDOWN_TIMEOUT the app cuts the requests left and closes the rest; if a later step hangs too
 * (a database that no longer answers), the process leaves this long after the timeout anyway.
 */
const CLOSE_GRACE_MS = 5_000;

/**
 * SIGINT and SIGTERM close the server (requests in progress finish within SSO_SHUTDOWN_TIMEOUT, the rest
 * are cut and the exit status is 1), then the database; the last log line says the service stopped. A
 * second signal during that stops at once, with the signal's exit status.
 */
function stopOnSignals(app: App, log: Logger, timeoutSeconds: number): void {
  let closingSince: number | undefined;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closingSince !== undefined) {
      if (performance.now() - closingSince < INSIST_AFTER_MS) return;
      log.warn({ signal }, `jellyfin-sso stopped at once (${signal} during shutdown)`);
      process.exit(128 + constants.signals[signal]);
    }
    closingSince = performance.now();
    // close() stops accepting before it returns, so once this line is out a new connection is refused
    // (a line written first could be read, and a connection queued, before the listener closed).
    const closed = app.close();
    log.info({ signal }, `shutting down (${signal})`);
    setTimeout(
      () => {
        log.error('jellyfin-sso stopped: the shutdown did not finish in time');
        process.exit(1);
      },
      timeoutSeconds * 1000 + CLOSE_GRACE_MS,
    ).unref();
    closed.then(
      () => {
        log.info('jellyfin-sso stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'jellyfin-sso stopped; a step of the shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    process.exit(reportStartFailure(error));
  }
  const log = createLogger(config.logLevel);
  let app: App;
  try {
    app = await createApp({ config, log });
  } catch (error) {
    process.exit(reportStartFailure(error));
  }
  let bound: { port: number; metricsPort: number | null };
  try {
    bound = await app.listen();
  } catch (error) {
    const status = reportStartFailure(error, { host: config.host, port: config.port });
    await app.close().catch(() => undefined); // release the database before leaving
    process.exit(status);
  }
  // Before the line that says it is ready: whoever waits for that line may signal at once.
  stopOnSignals(app, log, config.shutdownTimeoutSeconds);
  // SIGHUP applies SSO_PROVIDERS_FILE again (and no longer ends the process, node's default).
  process.on('SIGHUP', () => void app.reloadProvidersFile());
  const { port, metricsPort } = bound;
  const metrics =
    metricsPort === null ? '' : `, metrics on http://${config.metricsHost}:${metricsPort}/metrics`;
  log.info(
    { port, metricsPort, host: config.host, publicUrl: config.publicUrl, mediaServer: config.mediaServer },
    `jellyfin-sso listening on http://${config.host}:${port} (public URL ${config.publicUrl})${metrics}`,
  );
}

if (asksForHelp(process.argv.slice(2))) process.stdout.write(START_USAGE);
else main().catch((error: unknown) => process.exit(reportStartFailure(error)));
