// Shared by every bench child process: the READY handshake on stdout, and exit when the parent goes away
// (its end of our stdin closes, even when it was killed) or asks us to (SIGTERM/SIGINT).

/** Prints the one line the parent waits for: `READY {json}`. Nothing else may be written to stdout. */
export function ready(info: Record<string, unknown>): void {
  process.stdout.write(`READY ${JSON.stringify(info)}\n`);
}

/** Runs `close` once, then exits, on SIGTERM, SIGINT or when the parent's pipe closes. */
export function exitWithParent(close: () => Promise<void> | void): void {
  let closing = false;
  const stop = (code: number): void => {
    if (closing) return;
    closing = true;
    const timer = setTimeout(() => process.exit(code), 3_000);
    timer.unref();
    Promise.resolve()
      .then(close)
      .catch((error: unknown) => process.stderr.write(`close failed: ${String(error)}\n`))
      .finally(() => process.exit(code));
  };
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));
  process.stdin.on('end', () => stop(0));
  process.stdin.on('close', () => stop(0));
  process.stdin.resume();
}

/** `--name value` from argv, or the fallback. */
export function arg(name: string, fallback?: string): string {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? undefined : process.argv[index + 1];
  if (value === undefined) {
    if (fallback === undefined) throw new Error(`missing --${name}`);
    return fallback;
  }
  return value;
}

export function fail(error: unknown): never {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
