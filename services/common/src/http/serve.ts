import type { Server } from 'node:http';
import type { Express } from 'express';
import { shutdownTelemetry } from '@shopscope/telemetry';
import type { Logger } from '../logger';

export interface ServeOptions {
  port: number;
  host?: string;
  logger: Logger;
  /** Called on SIGTERM/SIGINT before the server closes (e.g. to fail /readyz). */
  onShutdownStart?: () => void;
  /** Called once in-flight requests are done (e.g. close the database pool). */
  onShutdown?: () => Promise<void>;
  /** Longest wait for in-flight requests before connections are cut. */
  shutdownTimeoutMs?: number;
}

/**
 * Starts listening and owns graceful shutdown: on SIGTERM/SIGINT stop accepting, let
 * in-flight requests finish (bounded), release resources, flush telemetry, exit 0.
 * The telemetry bootstrap installs no signal handler of its own, so this is the one place.
 */
export function serve(app: Express, options: ServeOptions): Promise<Server> {
  // Loopback unless told otherwise: a service started by hand on a laptop is not for other
  // machines. Containers set HOST=0.0.0.0 (services/Dockerfile, docker-compose.yml).
  const { logger, port, host = process.env.HOST ?? '127.0.0.1' } = options;
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.keepAliveTimeout = 65_000; // longer than common proxy idle timeouts
    server.once('error', reject);
    server.once('listening', () => {
      logger.info({ port, host }, 'listening');
      resolve(server);
    });

    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      options.onShutdownStart?.();
      const timeout = options.shutdownTimeoutMs ?? 10_000;
      const closed = new Promise<void>((done) => server.close(() => done()));
      // close() only refuses new connections. A keep-alive connection whose request finishes
      // after this point would stay open (holding the exit up to the timeout, past Docker's
      // 10 s stop grace period): close each one as soon as it goes idle.
      server.closeIdleConnections();
      const sweeper = setInterval(() => server.closeIdleConnections(), 50);
      const timer = setTimeout(() => server.closeAllConnections(), timeout);
      await closed;
      clearInterval(sweeper);
      clearTimeout(timer);
      try {
        await options.onShutdown?.();
      } catch (err) {
        logger.warn({ err }, 'error while releasing resources');
      }
      logger.info('stopped');
      await shutdownTelemetry();
      process.exit(0);
    };
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    process.once('SIGINT', () => void shutdown('SIGINT'));
  });
}
