import { integerField, notFound, parseBody, parseId, type UserDirectory } from '@shopscope/common';
import type { CartAnswer, CartCountAnswer } from '@shopscope/contracts';
import { Router } from 'express';
import { z } from 'zod';
import { authenticate, callerOf } from '../auth';
import { MAX_LINE_QUANTITY } from '../db/models';
import type { Carts } from '../domain/cart';

const addItemBody = z.object({
  product_id: integerField(1, 2_147_483_647),
  quantity: integerField(1, MAX_LINE_QUANTITY).default(1),
});

/** `PUT /api/order/item/:product_id`: the line's new quantity; 0 removes it. */
const setQuantityBody = z.object({ quantity: integerField(0, MAX_LINE_QUANTITY) });

/** The caller's cart: `/api/order` (docs/api.md, order-service). */
export function cartRoutes({ users, carts }: { users: UserDirectory; carts: Carts }): Router {
  const router = Router();
  const auth = authenticate(users);

  router.get('/api/order', auth, async (_req, res) => {
    res.json({ result: await carts.view(callerOf(res).id) });
  });

  router.get('/api/order/count', auth, async (_req, res) => {
    res.json({ result: { item_count: await carts.count(callerOf(res).id) } } satisfies CartCountAnswer);
  });

  router.post('/api/order/add-item', auth, async (req, res) => {
    const { product_id, quantity } = parseBody(addItemBody, req.body);
    res.json({ result: await carts.addItem(callerOf(res).id, product_id, quantity) });
  });

  router.put('/api/order/item/:product_id', auth, async (req, res) => {
    const productId = parseId(req.params.product_id);
    if (productId === undefined) throw notFound(`Product ${req.params.product_id} is not in your cart`);
    const { quantity } = parseBody(setQuantityBody, req.body);
    res.json({ result: await carts.setQuantity(callerOf(res).id, productId, quantity) } satisfies CartAnswer);
  });

  router.delete('/api/order/remove-item/:product_id', auth, async (req, res) => {
    const productId = parseId(req.params.product_id);
    if (productId === undefined) throw notFound(`Product ${req.params.product_id} is not in your cart`);
    res.json({ result: await carts.removeItem(callerOf(res).id, productId) });
  });

  return router;
}
