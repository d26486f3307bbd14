import { parseId } from '@shopscope/common';
import { annotateActiveSpan } from '@shopscope/telemetry';
import { Router, type Request, type Response } from 'express';
import type { CheckoutRejection } from '../clients';
import type { Messages } from '../i18n';
import { withPictures } from '../line-items';
import { rememberCartCount, requireUser, type SessionUser } from '../session';
import type { RouteDeps } from './deps';

const CART_PAGE = '/checkout';

/** `/checkout`: the cart page, its remove buttons, and placing the order. */
export function cartRoutes({ backends, pages }: RouteDeps): Router {
  const router = Router();

  async function showCart(req: Request, res: Response, user: SessionUser, error?: string, status = 200) {
    const cart = await backends.orders.cart(user.apiKey);
    const lines = await withPictures(backends.products, cart.items);
    const { t } = pages.context(req);
    await pages.render(
      req,
      res,
      'cart',
      { title: t.cart.title, cart, lines, error, cartCount: cart.item_count, returnPath: CART_PAGE },
      status,
    );
  }

  router.get(
    CART_PAGE,
    requireUser((req, res, user) => showCart(req, res, user)),
  );

  router.post(
    '/checkout/remove/:productId',
    requireUser(
      async (req, res, user) => {
        const productId = parseId(String(req.params.productId));
        if (productId !== undefined) await backends.orders.removeItem(user.apiKey, productId);
        res.redirect(303, `${CART_PAGE}?notice=itemRemoved`);
      },
      () => CART_PAGE,
    ),
  );

  router.post(
    '/checkout/process',
    requireUser(
      async (req, res, user) => {
        const outcome = await backends.orders.checkout(user.apiKey);
        if (outcome.ok) {
          rememberCartCount(req, 0);
          annotateActiveSpan({ 'order.id': outcome.order.id });
          res.redirect(303, `/order/thank-you?id=${outcome.order.id}`);
          return;
        }
        annotateActiveSpan({ 'checkout.status': outcome.reason });
        await showCart(req, res, user, rejectionMessage(outcome, pages.context(req).t), 409);
      },
      () => CART_PAGE,
    ),
  );

  return router;
}

function rejectionMessage(rejection: CheckoutRejection, t: Messages): string {
  switch (rejection.reason) {
    case 'empty_cart':
      return t.cart.emptyCart;
    case 'out_of_stock':
      return rejection.name ? t.cart.outOfStock(rejection.name, rejection.available) : t.cart.checkoutRejected;
    case 'in_progress':
      return t.cart.alreadyProcessing;
    default:
      return t.cart.checkoutRejected;
  }
}
