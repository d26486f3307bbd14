import { z } from 'zod';

/**
 * Configuration comes only from environment variables, validated once at start-up.
 * A missing or bad value stops the process with one clear line naming the variable.
 */
export function loadConfig<T extends z.ZodRawShape>(
  service: string,
  shape: T,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<T>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
  process.stderr.write(`${service}: invalid configuration: ${problems.join('; ')}\n`);
  process.exit(78); // EX_CONFIG: a restart will not help until the environment is fixed
}

/** Reusable field validators, so every service reads the same variable the same way. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback),
  httpUrl: () =>
    z
      .string({ error: 'is required' })
      .url('must be an http(s) URL')
      .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL')
      .transform((u) => u.replace(/\/+$/, '')),
  databaseUrl: () =>
    z
      .string({ error: 'is required' })
      .refine((u) => /^mysql:\/\/[^/]+\/[A-Za-z0-9_]+$/.test(u), 'must look like mysql://user:pass@host:port/dbname'),
  secret: (minLength: number) =>
    z.string({ error: 'is required' }).min(minLength, `must be at least ${minLength} characters`),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  milliseconds: (fallback: number) => z.coerce.number().int().min(1).max(600_000).default(fallback),
};
