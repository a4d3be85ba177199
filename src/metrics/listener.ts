// The metrics listener (SSO_METRICS_PORT): Prometheus text format at GET /metrics, on its own port so the
// public listener never serves it and a firewall or a container network can keep it internal.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Log } from '../sso/ports.js';
import type { Metrics } from './registry.js';

export interface MetricsListener {
  readonly port: number;
  close(): Promise<void>;
}

function answer(metrics: Metrics, log: Log, req: IncomingMessage, res: ServerResponse): void {
  if (req.url?.split('?')[0] !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: scrape /metrics\n');
    return;
  }
  metrics.registry.metrics().then(
    (text) => {
      res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
    },
    (error: unknown) => {
      log.warn({ err: error }, 'collecting the metrics failed');
      res
        .writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
        .end('Collecting the metrics failed\n');
    },
  );
}

/** Listens on host:port (0 picks a free port); resolves once bound. */
export function listenForMetrics(
  metrics: Metrics,
  log: Log,
  at: { host: string; port: number },
): Promise<MetricsListener> {
  const server: Server = createServer((req, res) => answer(metrics, log, req, res));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address !== null ? address.port : at.port,
        close: () =>
          new Promise<void>((closed) => {
            server.close(() => closed());
            // A scraper's keep-alive connection would hold close() open until it times out.
            server.closeAllConnections();
          }),
      });
    });
  });
}
