// A bounded stop of an HTTP server: stop accepting, let the requests in progress finish, close keep-alive
// connections as soon as they are idle, and after the timeout cut what is left, saying how many requests.
import type { Server } from 'node:http';

/** The requests a server is answering right now; `idle` runs each time that number drops to zero. */
export interface RequestTracker {
  readonly inFlight: number;
  idle?: () => void;
}

/** Counts requests from their arrival to the end of their response (sent, or the connection lost). */
export function trackRequests(server: Server): RequestTracker {
  const tracker: RequestTracker & { inFlight: number } = { inFlight: 0 };
  server.on('request', (_req, res) => {
    tracker.inFlight++;
    // 'close' follows 'finish' and also comes alone when the connection drops: counted once either way.
    res.once('close', () => {
      tracker.inFlight--;
      if (tracker.inFlight === 0) tracker.idle?.();
    });
  });
  return tracker;
}

/**
 * Stops `server` within `timeoutMs`; resolves with the number of requests cut (0 when all finished).
 * Idle keep-alive connections are closed at once and whenever the last request in progress ends, so a
 * client's open connection neither holds the stop up nor carries a new request in.
 */
export async function drainServer(
  server: Server,
  tracker: RequestTracker,
  timeoutMs: number,
): Promise<number> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // On the next turn: the connection of the request that just ended is marked idle after its 'close'.
  tracker.idle = () => setImmediate(() => server.closeIdleConnections());
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
  });
  const outcome = await Promise.race([closed, late]);
  clearTimeout(timer);
  if (outcome !== 'late') return 0;
  const cut = tracker.inFlight;
  server.closeAllConnections();
  await closed;
  return cut;
}
