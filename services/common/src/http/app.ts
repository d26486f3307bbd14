import { SpanStatusCode, trace } from '@opentelemetry/api';
import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { isDatabaseUnavailable, isLockConflict } from '../db';
import { HttpError, RetryLaterError } from '../errors';
import { FaultInjector } from '../faults';
import type { Logger } from '../logger';
import { recordRoute } from './route-name';

export interface ServiceAppOptions {
  name: string;
  logger: Logger;
  /** Resolves to undefined when ready, otherwise to the reason (returned with a 503 by /readyz). */
  readiness: () => Promise<string | undefined>;
  adminToken: string | undefined;
  /** Largest accepted request body; larger ones get a 413. */
  bodyLimit?: string;
  /**
   * Answers an error in the service's own format (the web shop renders an HTML page).
   * Return false to fall back to the JSON `{message, details?}` body. Span status and
   * logging are done before it is called, so renderers only shape the response.
   */
  renderError?: (error: HttpError, req: Request, res: Response) => boolean;
  /**
   * Middleware mounted before everything else, so it applies to every response, including
   * the probes, the fault API, the 404 and the errors of the body parsers (400 malformed,
   * 413 too large): e.g. helmet's security headers.
   */
  firstMiddleware?: RequestHandler[];
}

export interface ServiceApp {
  app: Express;
  faults: FaultInjector;
  /** Marks the service as shutting down: /readyz answers 503 so load balancers stop sending. */
  markShuttingDown(): void;
  /** Adds the 404 and error handlers; call after mounting the routes. */
  finish(): Express;
}

/**
 * An Express app with what every ShopScope service shares: body parsing with a size
 * limit, request logging, `/healthz`, `/readyz`, the fault API, and (via `finish`) the
 * 404 and error handlers that shape every error as `{message, details?}`.
 */
export function createServiceApp(options: ServiceAppOptions): ServiceApp {
  const { logger, readiness } = options;
  const app = express();
  const faults = new FaultInjector({ logger });
  let shuttingDown = false;

  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, uniquelocal');
  app.set('query parser', 'simple');
  // First of all, so every traced request (probes, faults, 404s and errors too) gets its route.
  app.use(recordRoute);
  for (const middleware of options.firstMiddleware ?? []) app.use(middleware);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const problem = shuttingDown ? 'shutting down' : await readiness();
    if (problem) res.status(503).json({ status: 'unavailable', message: problem });
    else res.json({ status: 'ready' });
  });

  app.use(requestLog(logger));
  const limit = options.bodyLimit ?? '64kb';
  app.use(express.json({ limit }));
  app.use(express.urlencoded({ extended: false, limit, parameterLimit: 200 }));
  app.use(faults.router(options.adminToken));
  app.use(faults.middleware);

  return {
    app,
    faults,
    markShuttingDown: () => {
      shuttingDown = true;
      // A leak or a busy loop must not slow the draining of in-flight requests.
      faults.reset();
    },
    finish: () => {
      app.use((req, _res, next) => next(new HttpError(404, `No route for ${req.method} ${req.path}`)));
      app.use(errorHandler(logger, options.renderError));
      return app;
    },
  };
}

/**
 * The request log, inside the request's trace context (never headers or bodies): a refused
 * request (4xx, `request rejected`, warn) and a failed one (5xx, `request failed`, error)
 * always; a successful one (`request completed`) only at LOG_LEVEL=debug. The server span
 * and the request duration metric already record every request: a line per success
 * repeated them at about a third of the telemetry's CPU per request (docs/performance.md).
 * What the services log at info instead: business events, dependency failures, lifecycle.
 */
function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const status = res.statusCode;
      // Read per request, so that a level changed at run time (logger.level) applies.
      if (status < 400 && !logger.isLevelEnabled('debug')) return;
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : undefined;
      const entry = {
        method: req.method,
        path: req.path,
        route,
        status,
        duration_ms: Math.round(durationMs * 10) / 10,
      };
      if (status >= 500) logger.error(entry, 'request failed');
      else if (status >= 400) logger.warn(entry, 'request rejected');
      else logger.debug(entry, 'request completed');
    });
    next();
  };
}

function errorHandler(logger: Logger, renderError: ServiceAppOptions['renderError']): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const error = toHttpError(err);
    const span = trace.getActiveSpan();
    if (error.status >= 500) {
      span?.recordException(err instanceof Error ? err : new Error(String(err)));
      span?.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      if (error.status === 500) logger.error({ err }, 'unhandled error');
    }
    if (error.reason) span?.setAttribute('error.type', error.reason);
    if (res.headersSent) {
      res.end();
      return;
    }
    if (error instanceof RetryLaterError) res.set('Retry-After', String(error.retryAfterSeconds));
    if (renderError?.(error, req, res)) return;
    res.status(error.status).json(errorBody(error));
  };
}

/** Statuses whose answer names its reason: a client decides what to do from it (docs/api.md, "Errors"). */
const STATUSES_WITH_REASON = new Set([409, 429, 503]);

/**
 * `{message, details?}`. A 409 says which conflict it is in `details.reason` (empty_cart,
 * out_of_stock, already_in_progress, …), a 429 or 503 why to come back later (throttled,
 * dependency_unavailable, database_unavailable, …): clients branch on that code (the union
 * is ErrorReason in @shopscope/contracts), never on the wording of the message.
 */
function errorBody(error: HttpError): { message: string; details?: Record<string, unknown> } {
  const details =
    STATUSES_WITH_REASON.has(error.status) && error.reason ? { ...error.details, reason: error.reason } : error.details;
  return details ? { message: error.message, details } : { message: error.message };
}

/** Maps anything thrown to an HttpError: ours, body-parser's 4xx, database outages, or a 500. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const e = err as { status?: number; statusCode?: number; type?: string; expose?: boolean };
  const status = e.status ?? e.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message =
      e.type === 'entity.parse.failed'
        ? 'Malformed JSON body'
        : e.type === 'entity.too.large'
          ? 'Request body too large'
          : e.type === 'encoding.unsupported' || e.type === 'charset.unsupported'
            ? 'Unsupported body encoding'
            : 'Bad request';
    return new HttpError(status, message, undefined, e.type ?? 'bad_request');
  }
  if (isDatabaseUnavailable(err)) {
    return new HttpError(503, 'Database unavailable, try again shortly', undefined, 'database_unavailable');
  }
  if (isLockConflict(err)) {
    // Still a deadlock or lock wait timeout after transactionWithRetry's attempts: the
    // database is too contended right now, and the same request can succeed a moment later.
    return new HttpError(503, 'The database is busy, try again shortly', undefined, 'lock_conflict');
  }
  return new HttpError(500, 'Internal error', undefined, 'internal');
}
