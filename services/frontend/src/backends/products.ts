import { DependencyError, type Logger, type ServiceClient } from '@shopscope/common';
import { unexpectedAnswer } from './answers';

export interface Product {
  id: number;
  name: string;
  slug: string;
  description: string;
  price_cents: number;
  currency: string;
  stock: number;
  image: string;
}

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
    const res = await this.client.get<{ results: Product[] }>(`/api/products?${params}`);
    if (res.status === 200) return res.body.results;
    throw unexpectedAnswer(this.client.name, 'list products', res);
  }

  /** One product by slug (or id); undefined when there is no such product. */
  async get(slug: string): Promise<Product | undefined> {
    const res = await this.client.get<{ result: Product }>(`/api/product/${encodeURIComponent(slug)}`);
    if (res.status === 200) return res.body.result;
    // A malformed slug is as unknown as a missing one.
    if (res.status === 404 || res.status === 400) return undefined;
    throw unexpectedAnswer(this.client.name, 'get product', res);
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
      const res = await this.client.get<{ results: Product[] }>(`/api/products?ids=${unique.join(',')}`);
      if (res.status !== 200) throw unexpectedAnswer(this.client.name, 'get products by id', res);
      for (const p of res.body.results) links.set(p.id, { slug: p.slug, image: p.image });
    } catch (err) {
      if (!(err instanceof DependencyError)) throw err;
      this.logger.warn({ dependency: err.dependency }, 'product pictures unavailable, showing placeholders');
    }
    return links;
  }
}
