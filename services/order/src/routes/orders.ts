import { notFound, pageFields, parseId, parseQuery, type UserDirectory } from '@shopscope/common';
import { Router } from 'express';
import { z } from 'zod';
import { authenticate, callerOf } from '../auth';
import { placedOrder, placedOrders } from '../domain/orders';

const historyQuery = z.object(pageFields());

/** The caller's placed orders: `/api/orders` and `/api/orders/:id`. */
export function orderRoutes({ users }: { users: UserDirectory }): Router {
  const router = Router();
  const auth = authenticate(users);

  router.get('/api/orders', auth, async (req, res) => {
    const page = parseQuery(historyQuery, req.query);
    res.json({ results: await placedOrders(callerOf(res).id, page) });
  });

  router.get('/api/orders/:id', auth, async (req, res) => {
    const id = parseId(req.params.id);
    const order = id === undefined ? undefined : await placedOrder(callerOf(res).id, id);
    if (!order) throw notFound(`Order ${req.params.id} not found`);
    res.json({ result: order });
  });

  return router;
}
