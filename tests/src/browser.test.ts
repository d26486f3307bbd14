/**
 * The shop in a real browser (headless Chromium driven by playwright-core): a shopper
 * registers (which signs them in), adds two products, checks out and finds the order in the history,
 * first in English, then again in French after using the header's language switch.
 *
 * Uses Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH); never downloads a browser.
 * Set SHOPSCOPE_SCREENSHOTS=/some/dir to keep a screenshot of every step.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { euros, SHOPPER_PASSWORD } from '../../tools/stack/frontend-client.ts';
import { productText } from '../../services/frontend/dist/i18n/catalogue.js';
import { launchChromium } from './harness/chromium.ts';
import { call } from './harness/http.ts';
import { type Shop, startShop } from './harness/shop.ts';

const SCREENSHOTS = process.env.SHOPSCOPE_SCREENSHOTS;

let shop: Shop;
let browser: Browser;

before(async () => {
  [shop, browser] = await Promise.all([startShop(), launchChromium()]);
  if (SCREENSHOTS) await mkdir(SCREENSHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await shop?.stop();
});

/** The UI words the journey clicks on and looks for, per language. */
const ui = {
  en: {
    register: 'Create account',
    submitRegistration: 'Create account',
    registered: 'Your account is ready',
    signIn: 'Sign in',
    addToCart: 'Add to cart',
    added: 'added to your cart',
    cart: 'Cart',
    cartTitle: 'Your cart',
    placeOrder: 'Place order',
    thanks: 'Thank you!',
    placed: 'has been placed',
    orders: 'My orders',
    fields: {
      first_name: 'First name',
      last_name: 'Last name',
      username: 'Username',
      email: 'Email',
      password: 'Password',
    },
    quantity: 'Quantity',
  },
  fr: {
    register: 'Créer un compte',
    submitRegistration: 'Créer mon compte',
    registered: 'Votre compte est prêt',
    signIn: 'Se connecter',
    addToCart: 'Ajouter au panier',
    added: 'ajouté',
    cart: 'Panier',
    cartTitle: 'Votre panier',
    placeOrder: 'Confirmer la commande',
    thanks: 'Merci !',
    placed: 'a bien été enregistrée',
    orders: 'Mes commandes',
    fields: {
      first_name: 'Prénom',
      last_name: 'Nom',
      username: 'Nom d’utilisateur',
      email: 'E-mail',
      password: 'Mot de passe',
    },
    quantity: 'Quantité',
  },
};
type Language = keyof typeof ui;

async function priceOf(slug: string): Promise<{ name: string; price_cents: number }> {
  const res = await call(shop.product.url, 'GET', `/api/product/${slug}`);
  assert.equal(res.status, 200);
  return res.body.result;
}

/** Visible text with every kind of space (U+00A0, U+202F in French prices) as a plain one. */
async function textOf(scope: Page | Locator, selector: string): Promise<string> {
  return ((await scope.locator(selector).first().textContent()) ?? '').replace(/[\s\u00a0\u202f]+/g, ' ').trim();
}

let step = 0;
async function snapshot(page: Page, name: string): Promise<void> {
  if (SCREENSHOTS)
    await page.screenshot({
      path: path.join(SCREENSHOTS, `${String(++step).padStart(2, '0')}-${name}.png`),
      fullPage: true,
    });
}

async function journey(language: Language, username: string, purchases: Array<{ slug: string; quantity: number }>) {
  const words = ui[language];
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    // A CSP violation or a failed asset shows up here: the shop must have none.
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  try {
    await page.goto(shop.frontend.url);
    if (language === 'fr') {
      await page.getByRole('group', { name: 'Language' }).getByRole('link', { name: 'FR' }).click();
      await page.waitForURL(`${shop.frontend.url}/`);
      assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    }
    await snapshot(page, `${language}-catalogue`);

    await page.getByRole('link', { name: words.register }).first().click();
    const fields = words.fields;
    await page.getByLabel(fields.first_name, { exact: true }).fill('Ada');
    await page.getByLabel(fields.last_name, { exact: true }).fill('Lovelace');
    await page.getByLabel(fields.username, { exact: true }).fill(username);
    await page.getByLabel(fields.email, { exact: true }).fill(`${username}@example.test`);
    await page.getByLabel(fields.password, { exact: true }).fill(SHOPPER_PASSWORD);
    await snapshot(page, `${language}-register`);
    await page.getByRole('button', { name: words.submitRegistration }).click();
    // Registering signs the shopper in and leads to the shop.
    await page.getByText(words.registered).waitFor();
    await page.locator('.greeting', { hasText: username }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/');

    let expectedCents = 0;
    let expectedUnits = 0;
    for (const { slug, quantity } of purchases) {
      const product = await priceOf(slug);
      await page.goto(shop.frontend.url);
      await page.locator(`.product-card[data-slug="${slug}"] a`).click();
      // A French page shows the seeded product's French name (services/frontend/src/i18n/catalogue.ts).
      const shownName = productText({ ...product, slug }, language).name;
      await page.getByRole('heading', { level: 1, name: shownName }).waitFor();
      assert.equal(await textOf(page, '[data-testid="price"]'), euros(product.price_cents, language));
      await page.getByLabel(words.quantity).fill(String(quantity));
      await page.getByRole('button', { name: words.addToCart }).click();
      await page.locator('.notice-success', { hasText: words.added }).waitFor();
      await snapshot(page, `${language}-added-${slug}`);
      expectedCents += product.price_cents * quantity;
      expectedUnits += quantity;
    }
    assert.equal(await textOf(page, '[data-testid="cart-count"]'), String(expectedUnits));

    await page.locator('a.nav-cart').click();
    await page.getByRole('heading', { level: 1, name: words.cartTitle }).waitFor();
    assert.equal(await page.locator('tr.line-item').count(), purchases.length);
    assert.equal(await textOf(page, '[data-testid="cart-total"]'), euros(expectedCents, language));
    await snapshot(page, `${language}-cart`);

    await page.getByRole('button', { name: words.placeOrder }).click();
    await page.getByRole('heading', { level: 1, name: words.thanks }).waitFor();
    const placed = await textOf(page, '[data-testid="order-placed"]');
    assert.match(placed, new RegExp(words.placed));
    const orderId = await page.locator('[data-testid="order-placed"]').getAttribute('data-order-id');
    assert.ok(orderId);
    assert.equal(await textOf(page, '[data-testid="total"]'), euros(expectedCents, language));
    await snapshot(page, `${language}-thank-you`);

    await page.locator('nav.nav').getByRole('link', { name: words.orders }).click();
    await page.getByRole('heading', { level: 1, name: words.orders }).waitFor();
    const row = page.locator(`tr.order-row[data-order-id="${orderId}"]`);
    assert.equal(await row.count(), 1, 'the order is in the history');
    assert.equal(await textOf(row, '[data-testid="order-total"]'), euros(expectedCents, language));
    await snapshot(page, `${language}-orders`);

    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
}

describe('shopping in a browser', () => {
  it('registers, signs in, buys two products and finds the order in the history (English)', async () => {
    await journey('en', 'browser_en', [
      { slug: 'laptop-pro', quantity: 1 },
      { slug: 'wireless-headphones', quantity: 2 },
    ]);
  });

  it('does the same journey in French after switching the language in the header', async () => {
    await journey('fr', 'browser_fr', [
      { slug: 'smartphone-x', quantity: 1 },
      { slug: 'camera', quantity: 1 },
    ]);
  });
});
