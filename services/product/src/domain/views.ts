import type { Product as PublicProduct } from '@shopscope/contracts';
import type { Product } from '../db/models';

/** The product as the API shows it (@shopscope/contracts `Product`). */
export function toPublicProduct(product: Product): PublicProduct {
  const { id, name, slug, description, price_cents, currency, stock, image } = product;
  return { id, name, slug, description, price_cents, currency, stock, image };
}
