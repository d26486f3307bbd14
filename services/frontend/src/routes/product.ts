import { Router, type Request, type Response } from 'express';
import type { AddItemOutcome, Product } from '../clients';
import { renderNotFound } from '../error-pages';
import { type FormErrors, formText } from '../forms';
import type { Messages } from '../i18n';
import { productText } from '../i18n/catalogue';
import { withQuery } from '../paths';
import { rememberCartCount, requireUser } from '../session';
import type { RouteDeps } from './deps';

/** Most units of one product a single add-to-cart may ask for. */
export const MAX_QUANTITY = 99;

/** `/product/:slug`: the product page, and its add-to-cart form posting back to it. */
export function productRoutes({ backends, pages }: RouteDeps): Router {
  const router = Router();

  async function show(req: Request, res: Response, product: Product, form: ProductForm = {}, status = 200) {
    const { t, lang } = pages.context(req);
    const { name } = productText(product, lang);
    const added = Number(req.query.added);
    const addedNotice =
      Number.isInteger(added) && added >= 1 && added <= MAX_QUANTITY ? t.product.added(added, name) : undefined;
    const locals = {
      title: name,
      product,
      addedNotice,
      maxQuantity: MAX_QUANTITY,
      // After a failed add, the quantity as typed; else the one chosen before signing in (`?quantity=`).
      quantity: form.quantity ?? String(chosenQuantity(req.query.quantity) ?? 1),
      errors: form.errors ?? {},
    };
    await pages.render(req, res, 'product', locals, status);
  }

  /** Loads the product or answers the 404 page; undefined means "already answered". */
  async function productOr404(req: Request, res: Response): Promise<Product | undefined> {
    const product = await backends.products.get(String(req.params.slug));
    if (!product) await renderNotFound(pages, req, res, pages.context(req).t.errors.productNotFound);
    return product;
  }

  router.get('/product/:slug', async (req, res) => {
    const product = await productOr404(req, res);
    if (product) await show(req, res, product);
  });

  router.post(
    '/product/:slug',
    requireUser(
      async (req, res, user) => {
        const product = await productOr404(req, res);
        if (!product) return;
        const { t } = pages.context(req);
        const quantityText = formText(req.body, 'quantity', 10);
        const quantity = Number(quantityText);
        // Re-shows the page with the quantity as typed and a message under the field.
        const refuse = (message: string, status: number) =>
          show(req, res, product, { quantity: quantityText, errors: { quantity: message } }, status);
        if (!/^\d+$/.test(quantityText) || quantity < 1 || quantity > MAX_QUANTITY) {
          await refuse(t.product.quantityInvalid(MAX_QUANTITY), 400);
          return;
        }
        if (quantity > product.stock) {
          await refuse(t.product.notEnoughStock, 409);
          return;
        }
        const outcome = await backends.orders.addItem(user.apiKey, product.id, quantity);
        if (outcome.ok) {
          rememberCartCount(req, outcome.cart.item_count);
          // Post/redirect/get: reloading the confirmation does not add the product again.
          res.redirect(303, withQuery(`/product/${encodeURIComponent(product.slug)}`, { added: quantity }));
          return;
        }
        if (outcome.reason === 'unknown_product') {
          await renderNotFound(pages, req, res, t.errors.productNotFound);
          return;
        }
        await refuse(addItemProblem(outcome, t), outcome.reason === 'invalid' ? 400 : 409);
      },
      // Signed out: after signing in (or registering), back on this product with the chosen quantity.
      (req) => productReturnPath(String(req.params.slug), req.body?.quantity),
    ),
  );

  return router;
}

/**
 * The quantity a shopper chose, from a form or `?quantity=`: a whole number clamped to
 * 1..MAX_QUANTITY; undefined when it is not a whole number at all.
 */
export function chosenQuantity(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\s*\d{1,10}\s*$/.test(value)) return undefined;
  return Math.min(MAX_QUANTITY, Math.max(1, Number(value)));
}

/** `/product/<slug>?quantity=<q>`: where a signed-out add-to-cart returns after signing in. */
export function productReturnPath(slug: string, quantity: unknown): string {
  const path = `/product/${encodeURIComponent(slug)}`;
  const chosen = chosenQuantity(quantity);
  return chosen === undefined ? path : withQuery(path, { quantity: chosen });
}

function addItemProblem(outcome: Exclude<AddItemOutcome, { ok: true }>, t: Messages): string {
  switch (outcome.reason) {
    case 'cart_limit':
      return outcome.inCart === undefined
        ? t.product.tooManyProducts(outcome.max ?? 0)
        : t.product.tooManyUnits(outcome.max ?? MAX_QUANTITY, outcome.inCart);
    case 'busy':
      return t.cart.alreadyProcessing;
    default:
      return t.product.quantityInvalid(MAX_QUANTITY);
  }
}

interface ProductForm {
  quantity?: string;
  errors?: FormErrors;
}
