import type { ErrorReason } from '@shopscope/contracts';

/**
 * The one error type every route throws. The error handler turns it into
 * `{message, details?}` with the given status; anything else becomes a 500
 * (or a 503 when it is a recognised dependency outage).
 */
export type ErrorDetails = Record<string, unknown>;

export class HttpError extends Error {
  readonly status: number;
  readonly details: ErrorDetails | undefined;
  /** Low-cardinality reason, recorded on the span and in metrics (e.g. "out_of_stock"). */
  readonly reason: string | undefined;

  constructor(status: number, message: string, details?: ErrorDetails, reason?: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.details = details;
    this.reason = reason;
  }
}

export const badRequest = (message: string, details?: ErrorDetails) =>
  new HttpError(400, message, details, 'bad_request');
export const unauthorized = (message = 'Authentication required') =>
  new HttpError(401, message, undefined, 'unauthorized');
export const forbidden = (message = 'Forbidden') => new HttpError(403, message, undefined, 'forbidden');
export const notFound = (message = 'Not found') => new HttpError(404, message, undefined, 'not_found');
/** A 409; `reason` (one of the contracts' ErrorReason) is what clients branch on. */
export const conflict = (message: string, details: ErrorDetails | undefined, reason: ErrorReason) =>
  new HttpError(409, message, details, reason);

/**
 * Come back later: a 429 (this client made too many failed attempts) or a 503 (the service
 * sheds work it cannot do in time). The error handler sends `Retry-After` with the seconds,
 * which `details.retry_after_seconds` repeats for clients that only read the body.
 */
export class RetryLaterError extends HttpError {
  readonly retryAfterSeconds: number;
  constructor(status: 429 | 503, message: string, retryAfterSeconds: number, reason: ErrorReason) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super(status, message, { retry_after_seconds: seconds }, reason);
    this.name = 'RetryLaterError';
    this.retryAfterSeconds = seconds;
  }
}

/**
 * A dependency (database, another service) is unreachable or failing. Always a 503
 * with a reason a person can act on, e.g. "product-service unavailable: timeout after 2000 ms".
 */
export class DependencyError extends HttpError {
  readonly dependency: string;
  /**
   * What the dependency itself said was unavailable, when its own 503 named it
   * (`details.dependency`): order-service answering "product-service unavailable" makes
   * the web shop's DependencyError for order-service carry `underlying: 'product-service'`,
   * so the page can say that the catalogue, not the cart, is down.
   */
  readonly underlying: string | undefined;
  constructor(dependency: string, cause: string, underlying?: string) {
    super(503, `${dependency} unavailable: ${cause}`, { dependency }, 'dependency_unavailable');
    this.name = 'DependencyError';
    this.dependency = dependency;
    this.underlying = underlying;
  }
}
