/**
 * The shop's state before load: stock that cannot run out during the benchmark, and a pool
 * of shoppers registered and signed in through the web shop once, before any measurement,
 * so the journey measures buying, not signing up (scrypt would dominate otherwise).
 */
import { writeFileSync } from 'node:fs';
import { signedInShopper } from '../tools/stack/frontend-client.ts';
import { uniqueUsername } from '../tools/stack/accounts.ts';
import type { NativeStack } from '../tools/stack/native-stack.ts';

/** The most stock product-service's own API accepts for a product (stock ≤ 1 000 000). */
export const RESTOCKED_TO = 1_000_000;

/**
 * Sets every product's stock to RESTOCKED_TO. The API has no restock call (stock is set
 * when a product is created), so this writes the column directly, as an operator would;
 * the seed's 10 000 per product could otherwise run out at a few hundred journeys/s.
 */
export async function restock(stack: NativeStack): Promise<void> {
  if (!stack.db) throw new Error('the stack has no database');
  await stack.db.query('UPDATE product_db.products SET stock = ?', [RESTOCKED_TO]);
}

/** The slugs of the catalogue's products (the journey buys one of them at random). */
export async function productSlugs(stack: NativeStack): Promise<string[]> {
  const res = await fetch(`${stack.service('product-service').url}/api/products?limit=100`);
  if (res.status !== 200) throw new Error(`GET /api/products answered ${res.status}`);
  const body = (await res.json()) as { results: { slug: string }[] };
  const slugs = body.results.map((p) => p.slug);
  if (slugs.length === 0) throw new Error('the catalogue is empty');
  return slugs;
}

export interface Shopper {
  username: string;
  /** The session cookies the web shop set at sign-in (shopscope_session and its .sig). */
  cookies: Record<string, string>;
}

/** Registers and signs in `count` shoppers, `concurrency` at a time; writes them to `file` for the load's worker. */
export async function createShoppers(
  stack: NativeStack,
  count: number,
  file: string,
  concurrency = 4,
): Promise<Shopper[]> {
  const frontend = stack.service('frontend').url;
  const shoppers: Shopper[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      const username = uniqueUsername('bench');
      const client = await signedInShopper(frontend, username);
      const cookies = Object.fromEntries(
        [...client.cookies]
          .filter(([name]) => name.startsWith('shopscope_session'))
          .map(([name, c]) => [name, c.value]),
      );
      if (!cookies.shopscope_session) throw new Error(`no session cookie after signing in ${username}`);
      shoppers.push({ username, cookies });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  writeFileSync(file, JSON.stringify(shoppers));
  return shoppers;
}
