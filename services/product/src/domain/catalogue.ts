import { badRequest, conflict, notFound, parseId } from '@shopscope/common';
import type { ProductPage } from '@shopscope/contracts';
import { Op, UniqueConstraintError, type WhereOptions } from 'sequelize';
import { imagePathFor, type Product, type ProductModels } from '../db/models';
import { toPublicProduct } from './views';

/**
 * The catalogue's rules, apart from HTTP: what a search finds, how a slug is made, when a
 * new product is refused.
 */

/** Lowercase words joined by single dashes, with at least one letter (so it never looks like an id). */
export const SLUG = /^(?=[a-z0-9-]*[a-z])[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Most products one lookup by ids answers. */
export const MAX_IDS = 100;

/** Latin letters with no decomposed form (NFKD leaves them whole): their usual ASCII spelling. */
const LATIN_LETTERS: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
};

/** "Caméra 4K Pro" → "camera-4k-pro", "Straße Ørsted" → "strasse-orsted"; empty when the name has no usable letters. */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[ßæœøłđðþı]/g, (letter) => LATIN_LETTERS[letter] ?? letter)
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 100)
    .replace(/^-+|-+$/g, '');
}

/** LIKE treats % and _ as wildcards: a search for "100%" must match the text "100%". */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export interface ProductSearch {
  /** Words in the name or description. */
  q?: string;
  /** These products (a cart's or a checkout's lookup). */
  ids?: number[];
  limit: number;
  offset: number;
}

/** One page of the catalogue, by ascending id, and how many products match. */
export async function searchProducts({ Product }: ProductModels, search: ProductSearch): Promise<ProductPage> {
  const where: WhereOptions<Product>[] = [];
  if (search.ids) where.push({ id: search.ids });
  if (search.q) {
    const pattern = `%${escapeLike(search.q)}%`;
    where.push({ [Op.or]: [{ name: { [Op.like]: pattern } }, { description: { [Op.like]: pattern } }] });
  }
  const { limit, offset } = search;
  const filter = { [Op.and]: where };
  const rows = await Product.findAll({ where: filter, order: [['id', 'ASC']], limit, offset });
  // The total needs a COUNT query only when this page does not tell it: a page that is
  // neither full nor past the end is the last one. (Lookups by ids, the most frequent
  // call — the cart and checkout ask for their products — never need it.)
  const lastPageReached = rows.length < limit && (rows.length > 0 || offset === 0);
  const total = lastPageReached ? offset + rows.length : await Product.count({ where: filter });
  return { results: rows.map(toPublicProduct), total };
}

/** A product by its numeric id or its slug; 404 when there is none (a malformed slug included). */
export async function findProduct({ Product }: ProductModels, slugOrId: string): Promise<Product> {
  const id = parseId(slugOrId);
  const product =
    id !== undefined
      ? await Product.findByPk(id)
      : SLUG.test(slugOrId)
        ? await Product.findOne({ where: { slug: slugOrId } })
        : null;
  if (!product) throw notFound('Product not found');
  return product;
}

export interface NewProduct {
  name: string;
  slug?: string | undefined;
  description: string;
  price_cents: number;
  currency: 'EUR';
  stock: number;
  image?: string | undefined;
}

/**
 * Adds a product; its slug is made from the name unless given. 400 when no slug can be
 * made, 409 `already_exists` when the slug is taken (checked first for a precise answer;
 * the unique key catches two creations racing).
 */
export async function createProduct({ Product }: ProductModels, input: NewProduct): Promise<Product> {
  const slug = input.slug || slugify(input.name);
  if (!SLUG.test(slug)) {
    throw badRequest('Invalid request', { fields: { slug: 'cannot be made from this name: give one' } });
  }
  const taken = () =>
    conflict(
      `The slug "${slug}" is already used by another product`,
      { fields: { slug: 'is already taken' } },
      'already_exists',
    );
  if (await Product.findOne({ where: { slug }, attributes: ['id'] })) throw taken();
  try {
    return await Product.create({ ...input, slug, image: input.image ?? imagePathFor(slug) });
  } catch (err) {
    if (err instanceof UniqueConstraintError) throw taken(); // created by someone else meanwhile
    throw err;
  }
}
