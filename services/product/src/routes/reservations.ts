import { integerField, type Logger, parseBody, requireInternalCaller, textField } from '@shopscope/common';
import { annotateActiveSpan, businessMetrics } from '@shopscope/telemetry';
import { Router } from 'express';
import type { Sequelize } from 'sequelize';
import { z } from 'zod';
import type { ReservationAnswer } from '@shopscope/contracts';
import type { ProductModels } from '../db/models';
import { confirm, isInsufficientStock, type ReservationResult, release, reserve } from '../domain/reservations';

const orderRef = textField(1, 64).regex(
  /^[A-Za-z0-9._:-]+$/,
  'may contain only letters, digits, ".", "_", ":" and "-"',
);

const reserveSchema = z.object({
  order_ref: orderRef,
  items: z
    .array(
      z.object({
        product_id: integerField(1, 2_147_483_647),
        quantity: integerField(1, 1000),
      }),
      { error: (issue) => (issue.input === undefined ? 'is required' : 'must be a list of {product_id, quantity}') },
    )
    .min(1, 'must list at least one item')
    .max(100, 'must list at most 100 items'),
});

const refSchema = z.object({ order_ref: orderRef });

export interface ReservationRouteDeps {
  sequelize: Sequelize;
  models: ProductModels;
  logger: Logger;
  /** The service credential (INTERNAL_TOKEN); without it the endpoints answer 503. */
  internalToken: string | undefined;
  /** How long a hold that is never confirmed keeps its stock. */
  holdForMs: number;
}

/**
 * Stock reservations for order-service. Internal: every route requires the service
 * credential (`Authorization: Bearer <INTERNAL_TOKEN>`) and a JSON body (see
 * requireInternalCaller); no user's API key opens them. Each request is counted by
 * outcome and its span carries the order reference and the outcome.
 */
export function reservationRoutes({
  sequelize,
  models,
  logger,
  internalToken,
  holdForMs,
}: ReservationRouteDeps): Router {
  const router = Router();
  // Per route, not router.use(): a request for any other path must still reach the 404.
  const internalOnly = requireInternalCaller(internalToken);

  const answer = ({ outcome, reservation }: ReservationResult) => {
    businessMetrics.stockReservations.add(1, { outcome });
    annotateActiveSpan({ 'reservation.outcome': outcome, 'reservation.total_cents': reservation.total_cents });
    logger.info(
      { order_ref: reservation.order_ref, outcome, total_cents: reservation.total_cents },
      'stock reservation',
    );
    return { result: reservation } satisfies ReservationAnswer;
  };

  router.post('/api/products/reserve', internalOnly, async (req, res) => {
    const { order_ref, items } = parseBody(reserveSchema, req.body);
    annotateActiveSpan({ 'reservation.order_ref': order_ref, 'reservation.item_count': items.length });
    try {
      res.json(answer(await reserve(sequelize, models, order_ref, items, holdForMs)));
    } catch (err) {
      if (isInsufficientStock(err)) {
        businessMetrics.stockReservations.add(1, { outcome: 'insufficient_stock' });
        annotateActiveSpan({ 'reservation.outcome': 'insufficient_stock' });
        const { product_id, requested, available } = err.details ?? {};
        logger.info(
          { order_ref, outcome: 'insufficient_stock', product_id, requested, available },
          'stock reservation',
        );
      }
      throw err;
    }
  });

  // order-service confirms a hold as soon as it has the answer: a confirmed hold never expires.
  router.post('/api/products/confirm', internalOnly, async (req, res) => {
    const { order_ref } = parseBody(refSchema, req.body);
    annotateActiveSpan({ 'reservation.order_ref': order_ref });
    res.json(answer(await confirm(sequelize, models, order_ref)));
  });

  router.post('/api/products/release', internalOnly, async (req, res) => {
    const { order_ref } = parseBody(refSchema, req.body);
    annotateActiveSpan({ 'reservation.order_ref': order_ref });
    res.json(answer(await release(sequelize, models, order_ref)));
  });

  return router;
}
