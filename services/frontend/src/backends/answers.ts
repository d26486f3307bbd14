import { HttpError, type ServiceResponse } from '@shopscope/common';

/**
 * Helpers to interpret a backend's answer. ServiceClient already turns outages (timeouts,
 * refused connections, 5xx) into DependencyError; what reaches these helpers is a 2xx–4xx
 * answer, which is business: the API modules map each expected status to a typed outcome.
 */

/** The backend no longer accepts the session's API key (revoked, or its database was reset). */
export function sessionExpired(): HttpError {
  return new HttpError(401, 'Session expired', undefined, 'session_expired');
}

/** A status the contract in docs/api.md does not allow: a bug on one side, so a 500. */
export function unexpectedAnswer(service: string, operation: string, response: ServiceResponse<unknown>): Error {
  return new Error(`${service} answered ${response.status} to ${operation}`);
}

/** `details.fields` of an error body: which field was rejected, and the backend's reason. */
export function fieldErrors(body: unknown): Record<string, string> {
  const fields = (body as { details?: { fields?: unknown } } | undefined)?.details?.fields;
  if (!fields || typeof fields !== 'object') return {};
  return Object.fromEntries(
    Object.entries(fields).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

/** The `details` object of an error body, or an empty one. */
export function errorDetails(body: unknown): Record<string, unknown> {
  const details = (body as { details?: unknown } | undefined)?.details;
  return details && typeof details === 'object' ? (details as Record<string, unknown>) : {};
}
