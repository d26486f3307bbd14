import { DependencyError, ExpiringMap, expectAnswer, type Logger, type ServiceClient } from '@shopscope/common';
import { type Product, ProductAnswer, ProductPage } from '@shopscope/contracts';

export type { Product } from '@shopscope/contracts';

/** What a cart or order line needs to show a picture and link to its product. */
export interface ProductLink {
  slug: string;
  image: string;
}

/**
 * How long a product's slug and picture are reused for cart and order lines. They change
 * only when an administrator edits the product, and a minute-old picture on a cart line is
 * harmless, whereas asking the catalogue again cost every cart and thank-you page a
 * product-service round trip (a client span, a server span and a query in each trace).
 */
export const LINK_TTL_MS = 60_000;
/** Most products whose links are remembered; the oldest is forgotten first. */
const MAX_LINKS = 5_000;

/** product-service: the catalogue (docs/api.md). */
export class ProductApi {
  private readonly links: ExpiringMap<number, ProductLink>;

  constructor(
    private readonly client: ServiceClient,
    private readonly logger: Logger,
    linkTtlMs = LINK_TTL_MS,
  ) {
    this.links = new ExpiringMap(linkTtlMs, MAX_LINKS);
  }

  async list(query?: string): Promise<Product[]> {
    const params = new URLSearchParams({ limit: '100' });
    if (query) params.set('q', query);
    const { results } = expectAnswer(await this.client.get(`/api/products?${params}`), 200, ProductPage);
    this.rememberLinks(results);
    return results;
  }

  /** One product by slug (or id); undefined when there is no such product. */
  async get(slug: string): Promise<Product | undefined> {
    const res = await this.client.get(`/api/product/${encodeURIComponent(slug)}`);
    // A malformed slug is as unknown as a missing one.
    if (res.status === 404 || res.status === 400) return undefined;
    const { result } = expectAnswer(res, 200, ProductAnswer);
    this.rememberLinks([result]);
    return result;
  }

  /**
   * Slugs and images for cart and order lines: those seen in the last LINK_TTL_MS (on the
   * catalogue or a product page, typically just before) without asking, the others in one
   * call. Pictures are decoration: when the catalogue is down the cart must still work, so
   * an outage leaves the unknown ones out (placeholders shown).
   */
  async linksFor(ids: number[]): Promise<Map<number, ProductLink>> {
    const links = new Map<number, ProductLink>();
    const missing: number[] = [];
    for (const id of new Set(ids)) {
      const known = this.links.get(id);
      if (known) links.set(id, known);
      else missing.push(id);
    }
    if (missing.length === 0) return links;
    try {
      const res = await this.client.get(`/api/products?ids=${missing.join(',')}`);
      const { results } = expectAnswer(res, 200, ProductPage);
      this.rememberLinks(results);
      for (const p of results) links.set(p.id, { slug: p.slug, image: p.image });
    } catch (err) {
      if (!(err instanceof DependencyError)) throw err;
      this.logger.warn({ dependency: err.dependency }, 'product pictures unavailable, showing placeholders');
    }
    return links;
  }

  private rememberLinks(products: Product[]): void {
    for (const p of products) this.links.set(p.id, { slug: p.slug, image: p.image });
  }
}
