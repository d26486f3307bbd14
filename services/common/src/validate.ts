import { z } from 'zod';
import { badRequest } from './errors';

/**
 * Parses a request body (JSON or form-encoded) against a zod schema.
 * Failure is a 400 whose `details.fields` maps each bad field to its message,
 * so a form can show the error next to the field.
 */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.length > 0 ? issue.path.join('.') : '_';
    fields[key] ??= issue.message;
  }
  throw badRequest('Invalid request', { fields });
}

/** Parses a positive integer id from a path segment; 404 (not 400) on anything else, as an unknown id. */
export function parseId(raw: string | string[] | undefined): number | undefined {
  // Express 5 types a path parameter as string | string[] (the latter only for wildcards).
  if (typeof raw !== 'string' || !/^[1-9][0-9]{0,9}$/.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n <= 2_147_483_647 ? n : undefined;
}

/**
 * A whole number in a request body. JSON clients send numbers, HTML forms send strings,
 * so a string of digits is accepted as well; anything else (true, 1.5, "12abc") is a
 * field error saying what is expected.
 */
export function integerField(min: number, max: number) {
  return z.preprocess(
    (value) => (typeof value === 'string' && /^\s*-?\d{1,15}\s*$/.test(value) ? Number(value) : value),
    z
      .number({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a whole number') })
      .int('must be a whole number')
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`),
  );
}

/**
 * Parses a query string (`req.query`) against a zod schema, with the same 400 shape as
 * `parseBody`. A repeated parameter (`?limit=1&limit=2`) arrives as an array and fails
 * the schema like any other bad value.
 */
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.infer<T> {
  return parseBody(schema, query);
}

/**
 * `limit` and `offset` query fields for a list endpoint, so every list pages the same way.
 * Spread into a schema: `z.object({ q: …, ...pageFields() })`.
 */
export function pageFields({ defaultLimit = 50, maxLimit = 100, maxOffset = 1_000_000 } = {}) {
  return {
    limit: integerField(1, maxLimit).default(defaultLimit),
    offset: integerField(0, maxOffset).default(0),
  };
}

/**
 * A text field in a request body: trimmed, then `min`..`max` characters. A missing field
 * says 'is required' (not zod's type message), like `integerField`.
 */
export function textField(min: number, max: number) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be text') })
    .trim()
    .min(min, min <= 1 ? 'must not be empty' : `must be at least ${min} characters`)
    .max(max, `must be at most ${max} characters`);
}
