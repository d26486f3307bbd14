import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { getRPCMetadata } from '@opentelemetry/core';
import { type NextFunction, type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { apiKeyFromHeader } from './auth';
import { HttpError, unauthorized } from './errors';
import { parseBody } from './validate';
import { timingSafeEqualStrings } from './crypto';
import {
  busyShare,
  MAX_BUSY_SHARE,
  type ResourceFaultOptions,
  ResourceFaults,
  resourceFaultFields,
} from './resource-faults';

/**
 * Fault injection, the coursework's failure switches: latency, jitter and a random error
 * rate applied to incoming requests, optionally only to paths matching `route` (a glob,
 * `*` matches anything, e.g. `/api/products*`); and the resource faults of
 * resource-faults.ts (memory_leak, cpu_burn, event_loop_block), which act on the process
 * whatever the requests. Kept in memory, so a restart resets it. Absent resource faults
 * are off, so the answer of a reset is the same `{latency_ms, jitter_ms, error_rate}` as
 * before they existed.
 */
export const faultSchema = z
  .object({
    latency_ms: z.coerce.number().int().min(0).max(60_000).default(0),
    jitter_ms: z.coerce.number().int().min(0).max(60_000).default(0),
    error_rate: z.coerce.number().min(0).max(1).default(0),
    route: z
      .string()
      .max(200)
      .regex(/^\/[A-Za-z0-9_\-/:.*]*$/, 'must be a path pattern starting with / (use * as wildcard)')
      .optional(),
    ...resourceFaultFields,
  })
  // Each busy fault is bounded by its own schema; together they must leave the event loop
  // a tenth of its time too, or the DELETE that ends them could not be answered.
  .refine((config) => busyShare(config) <= MAX_BUSY_SHARE + 1e-9, {
    message: `cpu_burn.ratio plus event_loop_block's block_ms / every_ms must be at most ${MAX_BUSY_SHARE}`,
    path: ['cpu_burn'],
  });
export type FaultConfig = z.infer<typeof faultSchema>;

const tracer = trace.getTracer('shopscope.faults');

export class FaultInjector {
  private config: FaultConfig = { latency_ms: 0, jitter_ms: 0, error_rate: 0 };
  private routeMatcher: RegExp | undefined;
  /** The memory leak, CPU burn and event-loop blocking of the current config. */
  readonly resources: ResourceFaults;

  constructor(options: ResourceFaultOptions = {}) {
    this.resources = new ResourceFaults(options);
  }

  get current(): FaultConfig {
    return structuredClone(this.config);
  }

  /** Replaces the whole configuration: a fault the new one does not name is off. */
  set(config: FaultConfig): void {
    this.config = structuredClone(config);
    this.routeMatcher = config.route
      ? new RegExp(`^${config.route.split('*').map(escapeRegExp).join('.*')}$`)
      : undefined;
    this.resources.apply(config);
  }

  /** Every fault off: timers stopped, leaked memory let go. Also called on shutdown. */
  reset(): void {
    this.set({ latency_ms: 0, jitter_ms: 0, error_rate: 0 });
  }

  private get active(): boolean {
    return this.config.latency_ms > 0 || this.config.jitter_ms > 0 || this.config.error_rate > 0;
  }

  /** Express middleware applying the current faults; a no-op costing one branch when none is set. */
  readonly middleware = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (!this.active || (this.routeMatcher && !this.routeMatcher.test(req.path))) return next();
    const { latency_ms, jitter_ms, error_rate } = this.config;
    const delay = latency_ms + (jitter_ms > 0 ? Math.floor(Math.random() * jitter_ms) : 0);
    if (delay > 0) {
      // Its own span, so a learner sees in Jaeger exactly where the injected time went.
      await tracer.startActiveSpan('fault.latency', async (span) => {
        span.setAttributes({ 'fault.injected': true, 'fault.latency_ms': delay });
        await new Promise((resolve) => setTimeout(resolve, delay));
        span.end();
      });
    }
    if (error_rate > 0 && Math.random() < error_rate) {
      const span = tracer.startSpan('fault.error');
      span.setAttribute('fault.injected', true);
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'injected fault' });
      span.end();
      const serverSpan = getRPCMetadata(context.active())?.span ?? trace.getActiveSpan();
      serverSpan?.setAttribute('fault.injected', true);
      res.status(500).json({ message: 'Injected fault (fault injection is active on this service)' });
      return;
    }
    next();
  };

  /** `GET|PUT|DELETE /admin/faults`, protected by the admin token. */
  router(adminToken: string | undefined): Router {
    const router = Router();
    router.use('/admin/faults', (req, _res, next) => {
      const given = apiKeyFromHeader(req.get('authorization')) ?? req.get('x-admin-token');
      if (!adminToken) return next(new HttpError(403, 'Fault API disabled: ADMIN_TOKEN is not set'));
      if (!given || !timingSafeEqualStrings(given, adminToken)) return next(unauthorized('Admin token required'));
      next();
    });
    router.get('/admin/faults', (_req, res) => {
      res.json({ result: this.current });
    });
    router.put('/admin/faults', (req, res) => {
      this.set(parseBody(faultSchema, req.body));
      res.json({ result: this.current });
    });
    router.delete('/admin/faults', (_req, res) => {
      this.reset();
      res.json({ result: this.current });
    });
    return router;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
