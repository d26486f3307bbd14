import { parseId } from '@shopscope/common';
import { Router } from 'express';
import { renderNotFound } from '../error-pages';
import { withPictures } from '../line-items';
import { requireUser, takeCheckoutTrace } from '../session';
import { currentTraceId, parseTraceId } from '../trace-links';
import type { RouteDeps } from './deps';

/** `/order/thank-you`, `/orders`, `/orders/:id`: the shopper's placed orders. */
export function orderRoutes({ backends, pages }: RouteDeps): Router {
  const router = Router();

  router.get(
    '/order/thank-you',
    requireUser(async (req, res, user) => {
      const { t } = pages.context(req);
      // Checkout redirects here with the new order's id; without one, show the latest order.
      const id = parseId(typeof req.query.id === 'string' ? req.query.id : undefined);
      const order =
        id !== undefined
          ? await backends.orders.order(user.apiKey, id)
          : (await backends.orders.orders(user.apiKey))[0];
      if (!order) {
        if (id === undefined) res.redirect(303, '/orders');
        else await renderNotFound(pages, req, res, t.errors.orderNotFound);
        return;
      }
      const lines = await withPictures(backends.products, order.items);
      // The checkout's trace, carried by its redirect (`&trace=<id>`; anything else is ignored),
      // linked only while tracing is on, like every trace link.
      const carried = parseTraceId(req.query.trace);
      const checkoutTrace = currentTraceId() ? pages.traceView(carried) : undefined;
      // The browser's load of this page joins the checkout's trace, not this request's.
      const traceparent = takeCheckoutTrace(req, carried);
      await pages.render(req, res, 'thank-you', { title: t.thankYou.title, order, lines, checkoutTrace, traceparent });
    }),
  );

  router.get(
    '/orders',
    requireUser(async (req, res, user) => {
      const orders = await backends.orders.orders(user.apiKey);
      const { t } = pages.context(req);
      await pages.render(req, res, 'orders', { title: t.orders.title, orders });
    }),
  );

  router.get(
    '/orders/:id',
    requireUser(async (req, res, user) => {
      const { t } = pages.context(req);
      const id = parseId(String(req.params.id));
      // Someone else's order is a 404 too: the page must not reveal that it exists.
      const order = id === undefined ? undefined : await backends.orders.order(user.apiKey, id);
      if (!order) {
        await renderNotFound(pages, req, res, t.errors.orderNotFound);
        return;
      }
      const lines = await withPictures(backends.products, order.items);
      await pages.render(req, res, 'order', { title: t.orders.number(order.id), order, lines });
    }),
  );

  return router;
}
