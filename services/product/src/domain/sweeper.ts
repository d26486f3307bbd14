import type { Logger } from '@shopscope/common';
import { context, createContextKey } from '@opentelemetry/api';
import { businessMetrics, inSpan } from '@shopscope/telemetry';
import type { Sequelize } from 'sequelize';
import type { ProductModels } from '../db/models';
import { dueHolds, expire } from './reservations';

/** At most this many holds are expired per database round of a sweep. */
const BATCH = 100;

/**
 * The OpenTelemetry SDK's "suppress tracing" context key (`suppressTracing` of
 * @opentelemetry/core; context keys are global symbols, so this is the same key). An idle
 * sweep runs a query every few seconds: without it each one would be a root trace.
 */
const SUPPRESS_TRACING = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

export interface SweeperOptions {
  sequelize: Sequelize;
  models: ProductModels;
  logger: Logger;
  /** How long an unconfirmed hold keeps its stock (RESERVATION_TTL_SECONDS). */
  ttlMs: number;
  /** Time between sweeps; by default a quarter of the TTL, between 250 ms and 60 s. */
  intervalMs?: number;
}

/** A quarter of the TTL, between 250 ms and 60 s: a hold is given back at most that long after it expired. */
export function sweepInterval(ttlMs: number): number {
  return Math.min(60_000, Math.max(250, Math.floor(ttlMs / 4)));
}

/**
 * Gives back the stock of holds that were never confirmed once their TTL has passed.
 * Runs in every product-service process (a sweep is one indexed query when nothing is due);
 * two processes expiring the same hold are safe, because `expire` locks the reservation
 * row and re-checks it, so only the first one gives the stock back. The timer is unref'd
 * (it never keeps the process alive) and `stop` waits for a sweep in progress, so the
 * database can be closed right after.
 */
export class ReservationSweeper {
  private readonly options: SweeperOptions;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private started = false;
  private stopping = false;
  private failing = false;

  constructor(options: SweeperOptions) {
    this.options = options;
    this.intervalMs = options.intervalMs ?? sweepInterval(options.ttlMs);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    this.schedule();
  }

  /** Cancels the next sweep and waits for the one in progress (which stops after its current hold). */
  async stop(): Promise<void> {
    this.started = false;
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One sweep: expires every hold that is due at `now`. Returns how many were expired. */
  async sweep(now = new Date()): Promise<number> {
    const { sequelize, models, logger } = this.options;
    let expired = 0;
    while (!this.stopping) {
      const due = await context.with(context.active().setValue(SUPPRESS_TRACING, true), () =>
        dueHolds(models, now, BATCH),
      );
      for (const orderRef of due) {
        if (this.stopping) break;
        const result = await inSpan('reservation.expire', { 'reservation.order_ref': orderRef }, async (span) => {
          const outcome = await expire(sequelize, models, orderRef, now);
          span.setAttribute('reservation.outcome', outcome ? 'expired' : 'skipped');
          return outcome;
        });
        if (!result) continue;
        expired++;
        const { reservation } = result;
        businessMetrics.stockReservations.add(1, { outcome: 'expired' });
        logger.info(
          {
            order_ref: reservation.order_ref,
            outcome: 'expired',
            total_cents: reservation.total_cents,
            items: reservation.items.map(({ product_id, quantity }) => ({ product_id, quantity })),
          },
          'stock reservation expired: never confirmed, stock back on sale',
        );
      }
      if (due.length < BATCH) break;
    }
    return expired;
  }

  private schedule(): void {
    if (!this.started) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.sweep()
        .then(() => {
          if (this.failing) this.options.logger.info('reservation sweeper recovered');
          this.failing = false;
        })
        .catch((err: unknown) => {
          // Typically the database is unreachable: try again next time, say so once.
          if (!this.failing) this.options.logger.warn({ err }, 'reservation sweeper failed; retrying');
          this.failing = true;
        })
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, this.intervalMs);
    this.timer.unref();
  }
}
