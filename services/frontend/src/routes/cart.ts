import { parseId } from '@shopscope/common';
import { annotateActiveSpan } from '@shopscope/telemetry';
import { Router, type Request, type Response } from 'express';
import type { CheckoutRejection } from '../clients';
import { type FormErrors, formText } from '../forms';
import type { Messages } from '../i18n';
import { withPictures } from '../line-items';
import { rememberCartCount, rememberCheckoutTrace, requireUser, type SessionUser } from '../session';
import { currentTraceId, currentTraceParent } from '../trace-links';
import type { RouteDeps } from './deps';

const CART_PAGE = '/checkout';

/** Most units of one product a cart line may hold: order-service's MAX_LINE_QUANTITY. */
export const MAX_LINE_QUANTITY = 1000;

/** The id of a cart line's quantity field (the error summary links to it). */
export function quantityFieldId(productId: number): string {
  return `quantity-${productId}`;
}

/** What the cart page shows in a line's quantity field after a refused change. */
interface QuantityForm {
  errors: FormErrors;
  /** Field id → the value as typed. */
  typed: Record<string, string>;
}

/**
 * `/checkout`: the cart page, its quantity fields and remove buttons, and placing the order
 * (`/cart` leads to it; `POST /cart/quantity` sets a line's quantity).
 */
export function cartRoutes({ backends, pages, logger }: RouteDeps): Router {
  const router = Router();

  async function showCart(
    req: Request,
    res: Response,
    user: SessionUser,
    error?: string,
    status = 200,
    form: QuantityForm = { errors: {}, typed: {} },
  ) {
    const cart = await backends.orders.cart(user.apiKey);
    const lines = await withPictures(backends.products, cart.items);
    const { t } = pages.context(req);
    await pages.render(
      req,
      res,
      'cart',
      {
        title: t.cart.title,
        cart,
        lines,
        error,
        errors: form.errors,
        typed: form.typed,
        maxLineQuantity: MAX_LINE_QUANTITY,
        cartCount: cart.item_count,
        returnPath: CART_PAGE,
      },
      status,
    );
  }

  router.get(
    CART_PAGE,
    requireUser((req, res, user) => showCart(req, res, user)),
  );

  // The cart's other name: the agreed address of the cart page.
  router.get('/cart', (_req, res) => res.redirect(302, CART_PAGE));

  // A line's quantity field: sets (not adds) the quantity; 0 removes the line.
  router.post(
    '/cart/quantity',
    requireUser(
      async (req, res, user) => {
        const productId = parseId(formText(req.body, 'product_id', 20));
        if (productId === undefined) {
          res.redirect(303, CART_PAGE);
          return;
        }
        const { t } = pages.context(req);
        const quantityText = formText(req.body, 'quantity', 10);
        const field = quantityFieldId(productId);
        const refuse = (message: string, status: number) =>
          showCart(req, res, user, undefined, status, {
            errors: { [field]: message },
            typed: { [field]: quantityText },
          });
        const quantity = Number(quantityText);
        if (!/^\d+$/.test(quantityText) || quantity > MAX_LINE_QUANTITY) {
          await refuse(t.cartQuantity.invalid(MAX_LINE_QUANTITY), 400);
          return;
        }
        const outcome = await backends.orders.setQuantity(user.apiKey, productId, quantity);
        if (outcome.ok) {
          rememberCartCount(req, outcome.cart.item_count);
          res.redirect(303, `${CART_PAGE}?notice=${quantity === 0 ? 'itemRemoved' : 'quantityUpdated'}`);
          return;
        }
        if (outcome.reason === 'not_in_cart') {
          // Removed meanwhile (another tab): the cart as it is now.
          res.redirect(303, CART_PAGE);
          return;
        }
        if (outcome.reason === 'busy') {
          await showCart(req, res, user, t.cart.alreadyProcessing, 409);
          return;
        }
        await refuse(t.cartQuantity.invalid(MAX_LINE_QUANTITY), 400);
      },
      () => CART_PAGE,
    ),
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
          logger.info({ order_id: outcome.order.id, user_id: user.id }, 'order placed through the web shop');
          // The thank-you page links this request's trace: the checkout, across all four
          // services; and its page load joins that trace (rememberCheckoutTrace).
          const trace = currentTraceId();
          rememberCheckoutTrace(req, currentTraceParent());
          res.redirect(303, `/order/thank-you?id=${outcome.order.id}${trace ? `&trace=${trace}` : ''}`);
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
