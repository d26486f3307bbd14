import { DependencyError, type ServiceResponse } from '@shopscope/common';
import type { z } from 'zod';

/**
 * Reads another service's answer against the shape we rely on. An answer of the wrong
 * status or shape means that service is misbehaving (or a different version): a 503
 * naming it, never a crash on `undefined` further down.
 */
export function expectAnswer<T extends z.ZodType>(
  service: string,
  response: ServiceResponse<unknown>,
  status: number,
  schema: T,
): z.infer<T> {
  const parsed = response.status === status ? schema.safeParse(response.body) : undefined;
  if (parsed?.success) return parsed.data;
  throw new DependencyError(service, `unexpected answer (HTTP ${response.status})`);
}

/** One field of an answer's body, whatever the body turned out to be. */
export function fieldOf(body: unknown, field: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;
}
