import type { LineItem, ProductApi } from './clients';

/** Shown when the catalogue cannot say what a product looks like. */
export const PLACEHOLDER_IMAGE = '/static/images/products/placeholder.svg';

/** A cart or order line as the tables show it: with a picture and a link to the product. */
export interface LineView extends LineItem {
  slug: string | undefined;
  image: string;
}

/**
 * Cart and order lines carry only product ids and names (prices are the order's own
 * snapshot); the pictures come from the catalogue, best effort.
 */
export async function withPictures(products: ProductApi, items: LineItem[]): Promise<LineView[]> {
  const links = await products.linksFor(items.map((item) => item.product_id));
  return items.map((item) => {
    const link = links.get(item.product_id);
    return { ...item, slug: link?.slug, image: link?.image ?? PLACEHOLDER_IMAGE };
  });
}
