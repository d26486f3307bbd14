import {
  integerField,
  type Logger,
  pageFields,
  parseBody,
  parseQuery,
  textField,
  type UserDirectory,
} from '@shopscope/common';
import type { ProductAnswer, ProductPage } from '@shopscope/contracts';
import { annotateActiveSpan } from '@shopscope/telemetry';
import { Router } from 'express';
import { z } from 'zod';
import { requireAdmin } from '../auth';
import type { ProductModels } from '../db/models';
import { createProduct, findProduct, MAX_IDS, SLUG, searchProducts } from '../domain/catalogue';
import { toPublicProduct } from '../domain/views';

const listSchema = z.object({
  q: z.string({ error: 'must be given once' }).trim().max(100, 'must be at most 100 characters').optional(),
  ids: z
    .string({ error: 'must be given once' })
    .regex(/^\d{1,10}(,\d{1,10})*$/, 'must be product ids separated by commas, e.g. 1,2,3')
    .transform((raw) => [...new Set(raw.split(',').map(Number))])
    .refine((ids) => ids.length <= MAX_IDS, `must list at most ${MAX_IDS} ids`)
    .optional(),
  ...pageFields({ defaultLimit: 50, maxLimit: 100 }),
});

const createSchema = z.object({
  name: textField(1, 200),
  slug: z
    .string({ error: 'must be text' })
    .trim()
    .max(100, 'must be at most 100 characters')
    .regex(SLUG, 'must be lowercase words joined by dashes, e.g. "desk-lamp"')
    .optional(),
  description: textField(0, 2000).default(''),
  price_cents: integerField(1, 10_000_000),
  currency: z.literal('EUR', { error: 'must be EUR (the shop has one currency)' }).default('EUR'),
  stock: integerField(0, 1_000_000),
  image: textField(1, 255)
    .regex(/^\/[A-Za-z0-9._/-]+$/, 'must be a local path, e.g. /static/images/products/desk-lamp.svg')
    .optional(),
});

export interface ProductRouteDeps {
  models: ProductModels;
  /** user-service, asked whether a caller is an administrator. */
  users: UserDirectory;
  logger: Logger;
}

/** The catalogue: list and search, one product by slug or id, and (admins) new products. */
export function productRoutes({ models, users, logger }: ProductRouteDeps): Router {
  const router = Router();

  router.get('/api/products', async (req, res) => {
    const query = parseQuery(listSchema, req.query);
    // A lookup by ids returns every product asked for unless the caller pages explicitly.
    const limit = query.ids && req.query.limit === undefined ? MAX_IDS : query.limit;
    res.json((await searchProducts(models, { ...query, limit })) satisfies ProductPage);
  });

  router.get('/api/product/:slugOrId', async (req, res) => {
    const product = await findProduct(models, req.params.slugOrId);
    annotateActiveSpan({ 'product.id': product.id });
    res.json({ result: toPublicProduct(product) } satisfies ProductAnswer);
  });

  router.post('/api/product/create', requireAdmin(users), async (req, res) => {
    const product = await createProduct(models, parseBody(createSchema, req.body));
    annotateActiveSpan({ 'product.id': product.id });
    logger.info({ product_id: product.id, slug: product.slug }, 'product created');
    res.status(201).json({ result: toPublicProduct(product) } satisfies ProductAnswer);
  });

  return router;
}
