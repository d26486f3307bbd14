import { ErrorBody, type ErrorReason } from '@shopscope/contracts';
import type { z } from 'zod';
import { DependencyError } from '../errors';
import type { ServiceResponse } from './client';

/**
 * Reading another service's answer, the one way every client does it (order-service's
 * clients, product-service's user check, the web shop's backends).
 *
 * ServiceClient has already turned outages (timeouts, refused connections, 5xx) into a
 * DependencyError; what reaches these functions is a 2xx–4xx answer. A success is read
 * against its contract schema (@shopscope/contracts); an answer of a status the caller
 * does not expect, or of the wrong shape, means the other service misbehaves (a bug, or
 * another version): a 503 naming it, never a crash on `undefined` further down nor a 500.
 */
export function expectAnswer<T extends z.ZodType>(
  response: ServiceResponse,
  status: number | readonly number[],
  schema: T,
): z.infer<T> {
  const expected = typeof status === 'number' ? [status] : status;
  if (!expected.includes(response.status)) throw unexpectedAnswer(response);
  const parsed = schema.safeParse(response.body);
  if (parsed.success) return parsed.data;
  throw new DependencyError(response.service, `answered ${response.status} in an unexpected shape`);
}

/** The 503 for an answer whose status the contract does not allow for this call. */
export function unexpectedAnswer(response: ServiceResponse): DependencyError {
  return new DependencyError(response.service, `unexpected answer (HTTP ${response.status})`);
}

/** An error answer read as `{message, details}`; a body that is not one reads as an empty error. */
export function errorOf(response: ServiceResponse): ErrorBody {
  const parsed = ErrorBody.safeParse(response.body);
  return parsed.success ? parsed.data : { message: '' };
}

/** The `details.reason` of an error answer: what a client branches on, and nothing else. */
export function reasonOf(response: ServiceResponse): ErrorReason | undefined {
  return errorOf(response).details?.reason;
}

/**
 * The `details` of an error answer read against the facts its reason promises
 * (e.g. OutOfStockDetails); undefined when they are not all there.
 */
export function detailsOf<T extends z.ZodType>(response: ServiceResponse, schema: T): z.infer<T> | undefined {
  const parsed = schema.safeParse(errorOf(response).details);
  return parsed.success ? parsed.data : undefined;
}
