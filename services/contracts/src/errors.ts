import { z } from 'zod';

/**
 * Every `details.reason` a ShopScope API may answer: each 409 names its conflict, each 429
 * and 503 why to try again later. A client decides what an error means from this code
 * alone, never from the wording of `message` or from which other fields `details` happens
 * to carry (docs/api.md). Other statuses (400, 401, 403, 404, 413, 415) carry no reason:
 * the status says it all.
 */
export const errorReasons = [
  // 409 conflicts
  'empty_cart',
  'out_of_stock',
  'already_in_progress',
  'cart_limit',
  'order_total_limit',
  'already_exists',
  'reservation_mismatch',
  'reservation_not_held',
  // 429: too many failed attempts
  'throttled',
  // 503: try again later
  'dependency_unavailable',
  'database_unavailable',
  'lock_conflict',
  'password_hashing_busy',
  'internal_auth_not_configured',
] as const;
export const ErrorReason = z.enum(errorReasons);
export type ErrorReason = z.infer<typeof ErrorReason>;

/** Which input fields were refused (400) or are taken (409), with the reason for each. */
export const FieldErrors = z.record(z.string(), z.string());

/**
 * The body of every error answer: `{message, details?}`. `details` is open (each error adds
 * its own facts, listed in docs/api.md); `reason`, `fields` and `retry_after_seconds` have
 * one meaning wherever they appear. A reason this version does not know reads as undefined.
 */
export const ErrorBody = z.object({
  message: z.string(),
  details: z
    .looseObject({
      reason: ErrorReason.optional().catch(undefined),
      fields: FieldErrors.optional().catch(undefined),
      retry_after_seconds: z.number().positive().optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** `details` of a 429 (`throttled`) or a 503 that says when to try again (also the `Retry-After` header). */
export const RetryAfterDetails = z.object({ retry_after_seconds: z.number().positive() });
