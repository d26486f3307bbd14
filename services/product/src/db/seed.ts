import type { Logger } from '@shopscope/common';
import { imagePathFor, type ProductModels } from './models';

const INITIAL_STOCK = 10_000;

/**
 * The ten products of the Flask version's catalogue (the coursework's screenshots show
 * them), so the labs' product ids, names and prices still apply. On an empty database
 * they get ids 1–10 in this order.
 */
export const CATALOGUE = [
  {
    name: 'Laptop Pro',
    slug: 'laptop-pro',
    price_cents: 129_999,
    description: 'A 14-inch aluminium laptop with 16 GB of memory, a 1 TB SSD and an all-day battery.',
  },
  {
    name: 'Smartphone X',
    slug: 'smartphone-x',
    price_cents: 89_999,
    description: 'A 6.1-inch OLED smartphone with a triple camera and 5G.',
  },
  {
    name: 'Wireless Headphones',
    slug: 'wireless-headphones',
    price_cents: 19_999,
    description: 'Over-ear Bluetooth headphones with active noise cancelling and 30 hours of playback.',
  },
  {
    name: 'Tablet Pro',
    slug: 'tablet-pro',
    price_cents: 64_999,
    description: 'An 11-inch tablet with a laminated display, stylus support and 256 GB of storage.',
  },
  {
    name: 'Smartwatch',
    slug: 'smartwatch',
    price_cents: 29_999,
    description: 'A water-resistant smartwatch with heart-rate monitoring, GPS and a week of battery.',
  },
  {
    name: 'Camera',
    slug: 'camera',
    price_cents: 54_999,
    description: 'A 24-megapixel mirrorless camera with a 18–55 mm kit lens and 4K video.',
  },
  {
    name: 'Bluetooth Speaker',
    slug: 'bluetooth-speaker',
    price_cents: 7_999,
    description: 'A portable, splash-proof speaker with deep bass and 12 hours of battery.',
  },
  {
    name: 'Mechanical Keyboard',
    slug: 'mechanical-keyboard',
    price_cents: 12_999,
    description: 'A tenkeyless keyboard with hot-swappable tactile switches and a USB-C cable.',
  },
  {
    name: 'Gaming Mouse',
    slug: 'gaming-mouse',
    price_cents: 5_999,
    description: 'A light wired mouse with a 26,000 DPI sensor and six programmable buttons.',
  },
  {
    name: 'Webcam HD',
    slug: 'webcam-hd',
    price_cents: 4_999,
    description: 'A 1080p webcam with autofocus, a privacy shutter and two microphones.',
  },
] as const;

/**
 * Idempotent: inserts only the catalogue products whose slug is not there yet and never
 * touches existing rows (a restart must not reset stock). `migrate` runs this under its
 * named lock, so two replicas do not race here; INSERT IGNORE (`ignoreDuplicates`) still
 * makes a concurrent insert harmless. Filtering first also avoids burning auto-increment
 * ids on ignored rows, so a fresh database numbers the catalogue 1–10.
 */
export async function seed({ Product }: ProductModels, logger: Logger): Promise<void> {
  const present = new Set((await Product.findAll({ attributes: ['slug'] })).map((p) => p.slug));
  const missing = CATALOGUE.filter((p) => !present.has(p.slug));
  if (missing.length === 0) return;
  await Product.bulkCreate(
    missing.map((p) => ({ ...p, currency: 'EUR', stock: INITIAL_STOCK, image: imagePathFor(p.slug) })),
    { ignoreDuplicates: true },
  );
  logger.info({ products: missing.length }, 'catalogue seeded');
}
