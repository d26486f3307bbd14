import {
  badRequest,
  conflict,
  integerField,
  type Logger,
  notFound,
  pageFields,
  parseBody,
  parseId,
  parseQuery,
  type ServiceClient,
  textField,
} from '@shopscope/common';
import { annotateActiveSpan } from '@shopscope/telemetry';
import { Router } from 'express';
import { Op, UniqueConstraintError, type WhereOptions } from 'sequelize';
import { z } from 'zod';
import { requireAdmin } from '../admin';
import { imagePathFor, type Product, type ProductModels, toPublicProduct } from '../db/models';

/** Lowercase words joined by single dashes, with at least one letter (so it never looks like an id). */
const SLUG = /^(?=[a-z0-9-]*[a-z])[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MAX_IDS = 100;

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

/** "Caméra 4K Pro" → "camera-4k-pro"; empty when the name has no usable letters. */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 100)
    .replace(/^-+|-+$/g, '');
}

/** The catalogue: list and search, one product by slug or id, and (admins) new products. */
export function productsRouter(models: ProductModels, users: ServiceClient, logger: Logger): Router {
  const router = Router();
  const { Product } = models;

  router.get('/api/products', async (req, res) => {
    const query = parseQuery(listSchema, req.query);
    const where: WhereOptions<Product>[] = [];
    if (query.ids) where.push({ id: query.ids });
    if (query.q) {
      const pattern = `%${escapeLike(query.q)}%`;
      where.push({ [Op.or]: [{ name: { [Op.like]: pattern } }, { description: { [Op.like]: pattern } }] });
    }
    // A lookup by ids returns every product asked for unless the caller pages explicitly.
    const limit = query.ids && req.query.limit === undefined ? MAX_IDS : query.limit;
    const filter = { [Op.and]: where };
    const rows = await Product.findAll({ where: filter, order: [['id', 'ASC']], limit, offset: query.offset });
    // The total needs a COUNT query only when this page does not tell it: a page that is
    // neither full nor past the end is the last one. (Lookups by ids, the most frequent
    // call — the cart and checkout ask for their products — never need it.)
    const lastPageReached = rows.length < limit && (rows.length > 0 || query.offset === 0);
    const total = lastPageReached ? query.offset + rows.length : await Product.count({ where: filter });
    res.json({ results: rows.map(toPublicProduct), total });
  });

  router.get('/api/product/:slugOrId', async (req, res) => {
    const { slugOrId } = req.params;
    const id = parseId(slugOrId);
    const product =
      id !== undefined
        ? await Product.findByPk(id)
        : SLUG.test(slugOrId)
          ? await Product.findOne({ where: { slug: slugOrId } })
          : null;
    if (!product) throw notFound('Product not found');
    annotateActiveSpan({ 'product.id': product.id });
    res.json({ result: toPublicProduct(product) });
  });

  router.post('/api/product/create', requireAdmin(users), async (req, res) => {
    const input = parseBody(createSchema, req.body);
    const slug = input.slug || slugify(input.name);
    if (!SLUG.test(slug)) {
      throw badRequest('Invalid request', { fields: { slug: 'cannot be made from this name: give one' } });
    }
    const taken = () =>
      conflict(`The slug "${slug}" is already used by another product`, { fields: { slug: 'is already taken' } }, 'already_exists');
    if (await Product.findOne({ where: { slug }, attributes: ['id'] })) throw taken();
    let product: Product;
    try {
      product = await Product.create({ ...input, slug, image: input.image ?? imagePathFor(slug) });
    } catch (err) {
      if (err instanceof UniqueConstraintError) throw taken(); // created by someone else meanwhile
      throw err;
    }
    annotateActiveSpan({ 'product.id': product.id });
    logger.info({ product_id: product.id, slug }, 'product created');
    res.status(201).json({ result: toPublicProduct(product) });
  });

  return router;
}

/** LIKE treats % and _ as wildcards: a search for "100%" must match the text "100%". */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
