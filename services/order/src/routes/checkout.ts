import { Router } from 'express';
import { apiKeyOf } from '../auth';
import type { Checkout } from '../domain/checkout';

/** `POST /api/order/checkout`: the user is validated inside the checkout itself, never from the cache. */
export function checkoutRoutes({ checkout }: { checkout: Checkout }): Router {
  const router = Router();
  router.post('/api/order/checkout', async (req, res) => {
    res.status(201).json({ result: await checkout.place(apiKeyOf(req)) });
  });
  return router;
}
