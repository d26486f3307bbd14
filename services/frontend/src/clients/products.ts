import { DependencyError, expectAnswer, type Logger, type ServiceClient } from '@shopscope/common';
import { type Product, ProductAnswer, ProductPage } from '@shopscope/contracts';

export type { Product } from '@shopscope/contracts';

/** What a cart or order line needs to show a picture and link to its product. */
export interface ProductLink {
  slug: string;
  image: string;
}

/** product-service: the catalogue (docs/api.md). */
export class ProductApi {
  constructor(
    private readonly client: ServiceClient,
    private readonly logger: Logger,
  ) {}

  async list(query?: string): Promise<Product[]> {
    const params = new URLSearchParams({ limit: '100' });
    if (query) params.set('q', query);
    return expectAnswer(await this.client.get(`/api/products?${params}`), 200, ProductPage).results;
  }

  /** One product by slug (or id); undefined when there is no such product. */
  async get(slug: string): Promise<Product | undefined> {
    const res = await this.client.get(`/api/product/${encodeURIComponent(slug)}`);
    // A malformed slug is as unknown as a missing one.
    if (res.status === 404 || res.status === 400) return undefined;
    return expectAnswer(res, 200, ProductAnswer).result;
  }

  /**
   * Slugs and images for cart and order lines. Pictures are decoration: when the catalogue
   * is down the cart must still work, so an outage gives an empty map (placeholders shown).
   */
  async linksFor(ids: number[]): Promise<Map<number, ProductLink>> {
    const links = new Map<number, ProductLink>();
    const unique = [...new Set(ids)];
    if (unique.length === 0) return links;
    try {
      const res = await this.client.get(`/api/products?ids=${unique.join(',')}`);
      for (const p of expectAnswer(res, 200, ProductPage).results) links.set(p.id, { slug: p.slug, image: p.image });
    } catch (err) {
      if (!(err instanceof DependencyError)) throw err;
      this.logger.warn({ dependency: err.dependency }, 'product pictures unavailable, showing placeholders');
    }
    return links;
  }
}
