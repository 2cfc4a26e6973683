/**
 * The Prometheus endpoint: `GET /metrics` over node:http on `metrics.listen`, nothing else (any
 * other path 404, any other method 405). What it serves comes from metrics-collector.ts.
 *
 * The endpoint is an observer: a listen that fails (the port taken, the address not on the host
 * yet) must cost the daemon nothing. It logs the address and the reason and tries again with
 * backoff, like the receive sockets (receive-hub.ts), until it listens or is moved or closed.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { formatListenAddress, type ListenAddress } from '../config/listen-address.js';
import type { Logger } from './logger.js';
import { RateLimiter } from './rate-limit.js';
import type { Scheduler } from './scheduler.js';

export const LISTEN_RETRY_FIRST_MS = 1_000;
export const LISTEN_RETRY_MAX_MS = 30_000;
/** A failure that goes on is logged once a minute (each retry is a debug line). */
const LOG_EVERY_MS = 60_000;
const RETRY_KEY = 'metrics/listen-retry';
/** A scraper that stalls mid-request is dropped: it gets no socket held open for it. */
const REQUEST_TIMEOUT_MS = 10_000;

export type Scrape = () => Promise<{ contentType: string; body: string }>;

export interface MetricsServerPorts {
  readonly scheduler: Scheduler;
  readonly log: Logger;
}

function sameListen(a: ListenAddress | undefined, b: ListenAddress | undefined): boolean {
  return a?.address === b?.address && a?.port === b?.port;
}

export class MetricsServer {
  private listen: ListenAddress | undefined;
  private server: Server | null = null;
  private failures = 0;
  private readonly limiter = new RateLimiter(LOG_EVERY_MS);
  /** Bumped by every configure/close: a listen attempt from an older one gives up. */
  private generation = 0;

  constructor(
    private readonly scrape: Scrape,
    private readonly ports: MetricsServerPorts,
  ) {}

  /** The address listened on now, or null (none configured, or still retrying). */
  get listening(): string | null {
    const bound = this.server?.address();
    if (bound === null || bound === undefined || typeof bound === 'string') return null;
    return bound.family === 'IPv6' ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`;
  }

  /** Listens on `listen` (moving from the old address), or nowhere when undefined. */
  async configure(listen: ListenAddress | undefined): Promise<void> {
    if (sameListen(listen, this.listen)) return;
    await this.close();
    this.listen = listen;
    if (listen !== undefined) await this.attempt(this.generation);
  }

  /** Stops listening and retrying; open connections are dropped. */
  async close(): Promise<void> {
    this.generation++;
    this.listen = undefined;
    this.failures = 0;
    this.ports.scheduler.cancel(RETRY_KEY);
    const server = this.server;
    this.server = null;
    if (server === null) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async attempt(generation: number): Promise<void> {
    const listen = this.listen;
    if (listen === undefined || generation !== this.generation) return;
    const where = formatListenAddress(listen);
    const server = createServer((request, response) => this.answer(request, response));
    server.requestTimeout = REQUEST_TIMEOUT_MS;
    server.headersTimeout = REQUEST_TIMEOUT_MS;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: listen.address, port: listen.port, ipv6Only: listen.family === 6 }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      if (generation === this.generation) this.retryLater(where, error);
      return;
    }
    if (generation !== this.generation) {
      // Moved or closed while the listen was under way.
      server.close();
      return;
    }
    server.on('error', (error) => this.ports.log.error({ err: String(error), listen: where }, 'metrics endpoint error'));
    this.server = server;
    const after = this.failures;
    this.failures = 0;
    this.ports.log.info({ listen: where, ...(after > 0 ? { afterFailures: after } : {}) }, `metrics endpoint listening on http://${where}/metrics`);
  }

  private retryLater(where: string, error: unknown): void {
    this.failures++;
    const retryInMs = Math.min(LISTEN_RETRY_MAX_MS, LISTEN_RETRY_FIRST_MS * 2 ** (this.failures - 1));
    const code = (error as NodeJS.ErrnoException).code;
    const fields = { listen: where, err: String(error), code, attempt: this.failures, retryInMs, reason: 'metrics-listen-failed' };
    if (this.limiter.allow(where, this.ports.scheduler.now())) this.ports.log.error(fields, `metrics endpoint cannot listen on ${where} (${code ?? String(error)}); retrying`);
    else this.ports.log.debug(fields, 'metrics endpoint listen retry failed');
    const generation = this.generation;
    this.ports.scheduler.schedule(RETRY_KEY, this.ports.scheduler.now() + retryInMs, () => void this.attempt(generation));
  }

  private answer(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '').split('?', 1)[0];
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: the endpoint is GET /metrics\n');
      return;
    }
    if (request.method !== 'GET') {
      response.writeHead(405, { allow: 'GET', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed: GET only\n');
      return;
    }
    this.scrape().then(
      ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
      (error: unknown) => {
        // Our bug: the scraper sees a failed scrape (up == 1, no samples), the journal says why.
        this.ports.log.error({ err: String(error) }, 'metrics scrape failed');
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('scrape failed; see the journal\n');
      },
    );
  }
}
