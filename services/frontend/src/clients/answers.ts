import { FieldErrors } from '@shopscope/contracts';
import { errorOf, HttpError, type ServiceResponse } from '@shopscope/common';

/**
 * What the web shop adds to the shared answer reader (@shopscope/common `expectAnswer`,
 * `reasonOf`, `detailsOf`): ServiceClient already turns outages (timeouts, refused
 * connections, 5xx) into a DependencyError, and expectAnswer turns an answer of a status or
 * shape the contract does not allow into one too (a 503 page naming the service). The
 * API modules map each expected status to a typed outcome.
 */

/** The backend no longer accepts the session's API key (revoked, expired, or its database was reset). */
export function sessionExpired(): HttpError {
  return new HttpError(401, 'Session expired', undefined, 'session_expired');
}

/** `details.fields` of an error answer: which field was rejected, and the backend's reason. */
export function fieldErrors(response: ServiceResponse): Record<string, string> {
  const parsed = FieldErrors.safeParse(errorOf(response).details?.fields);
  return parsed.success ? parsed.data : {};
}
