/**
 * Issue 16 held in a real browser (headless Debian Chromium via playwright-core):
 * 1. every page, at 1280×900 and 390×844, in English and French, JavaScript on, has no
 *    horizontal scroll and no serious or critical axe-core violation, and leads to its own
 *    trace (the footer's links to Jaeger and Grafana, a trace the receiver holds; the trace id
 *    as text on error and 503 pages); the header is one row on desktop, on a phone at most two
 *    and not a tall bar stuck at the top; two catalogue cards a row on a phone; product text in the
 *    page's language; with product-service down the cart's 503 names the catalogue;
 * 2. with JavaScript off: the cart's quantity change (2 → 1, then 0 removes the line), the
 *    way back to the product with its quantity through sign-in and registration, and a failed
 *    registration that focuses its first bad field and links every bad field from its summary;
 * 3. the thank-you page's checkout trace link names a trace that the OTLP receiver holds
 *    spans of from the frontend's POST /checkout/process and from order-service.
 *
 * One shop (exporting to an in-test OTLP receiver, so pages carry trace ids) and one browser
 * serve the whole file; each page is loaded once and checked at both viewports.
 * Uses /usr/bin/chromium (or CHROMIUM_PATH); never downloads a browser.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page, Response } from 'playwright-core';
import { SHOPPER_PASSWORD } from '../../tools/stack/frontend-client.ts';
import { launchChromium } from './harness/chromium.ts';
import { call } from './harness/http.ts';
import { OtlpReceiver, SPAN_KIND } from './harness/otlp-receiver.ts';
import { type Shop, startShop } from './harness/shop.ts';

/** Distinct from the defaults, so the links are seen to come from the configuration. */
const JAEGER_UI_URL = 'http://jaeger.ux-test.example:16686';
const GRAFANA_URL = 'http://grafana.ux-test.example:3000';
const TRACE_ID = /^[0-9a-f]{32}$/;

const VIEWPORTS = [
  { name: 'desktop 1280×900', width: 1280, height: 900 },
  { name: 'phone 390×844', width: 390, height: 844 },
] as const;
const LANGUAGES = ['en', 'fr'] as const;
type Language = (typeof LANGUAGES)[number];

const AXE_SOURCE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let receiver: OtlpReceiver;
let shop: Shop;
let browser: Browser;
let usernames = 0;

before(async () => {
  receiver = await new OtlpReceiver().start();
  [shop, browser] = await Promise.all([
    startShop({
      otlpEndpoint: receiver.endpoint,
      env: { JAEGER_UI_URL, GRAFANA_URL },
    }),
    launchChromium(),
  ]);
});

after(async () => {
  await browser?.close();
  await shop?.stop();
  await receiver?.stop();
});

// ---------------------------------------------------------------------------------------
// Helpers

function url(path: string): string {
  return `${shop.frontend.url}${path}`;
}

/** A fresh shopper name (user-service: 3 to 32 letters, digits, ".", "-" or "_"). */
function newUsername(prefix: string): string {
  return `${prefix}_${process.pid % 10000}_${++usernames}`;
}

async function productId(slug: string): Promise<number> {
  const res = await call(shop.product.url, 'GET', `/api/product/${slug}`);
  assert.equal(res.status, 200);
  return res.body.result.id;
}

async function newContext(javaScriptEnabled = true): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: VIEWPORTS[0], javaScriptEnabled });
  // A missing element fails in seconds, not after Playwright's default 30 s.
  context.setDefaultTimeout(10_000);
  return context;
}

/** Clicks a form's submit button and waits for the page it leads to (after any redirect). */
async function submit(page: Page, button: Locator): Promise<void> {
  await Promise.all([page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()), button.click()]);
  await page.waitForLoadState();
}

/**
 * Registers through the form and ends signed in: registering signs in (interface 3); should
 * it not, signs in with the login form so the rest of the test can go on.
 */
async function registerAndSignIn(page: Page, username: string): Promise<void> {
  await page.goto(url('/register'));
  await fillRegistration(page, username);
  await submit(page, page.locator('form[action^="/register"] [type=submit]'));
  if ((await page.locator('.greeting').count()) === 0) {
    await page.goto(url('/login'));
    await page.locator('#username').fill(username);
    await page.locator('#password').fill(SHOPPER_PASSWORD);
    await submit(page, page.locator('form[action^="/login"] [type=submit]'));
  }
  await page.locator('.greeting', { hasText: username }).waitFor();
}

async function fillRegistration(page: Page, username: string): Promise<void> {
  await page.locator('#first_name').fill('Ada');
  await page.locator('#last_name').fill('Lovelace');
  await page.locator('#username').fill(username);
  await page.locator('#email').fill(`${username}@example.test`);
  await page.locator('#password').fill(SHOPPER_PASSWORD);
}

async function addToCart(page: Page, slug: string, quantity: number): Promise<void> {
  await page.goto(url(`/product/${slug}`));
  await page.locator('input[name="quantity"]').fill(String(quantity));
  await submit(page, page.locator('form.add-to-cart [type=submit]'));
  await page.locator('.notice-success').waitFor();
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
  /** For color-contrast: "#777 on #fff = 4.4:1" of the first node. */
  detail: string;
}

/** Runs axe-core in the page (evaluated over CDP, so the shop's CSP does not block it). */
async function axeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (globalThis as any).axe;
    const result = await axe.run((globalThis as any).document, { resultTypes: ['violations'] });
    return result.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n: any) => n.target.join(' ')),
      detail: ((d: any) => (d?.contrastRatio ? `${d.fgColor} on ${d.bgColor} = ${d.contrastRatio}:1` : ''))(
        v.nodes[0]?.any?.[0]?.data,
      ),
    }));
  });
}

/** The page's overflow, with the elements sticking out to the right (to name the culprit). */
async function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number; wide: string[] }> {
  return page.evaluate(() => {
    const doc = (globalThis as any).document;
    const innerWidth: number = (globalThis as any).innerWidth;
    const scrollWidth: number = doc.documentElement.scrollWidth;
    const wide: string[] = [];
    if (scrollWidth > innerWidth) {
      for (const el of doc.body.querySelectorAll('*')) {
        const box = el.getBoundingClientRect();
        if (box.right > innerWidth + 0.5 && box.width > 0) {
          const id = el.id ? `#${el.id}` : '';
          const classes =
            typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
          wide.push(`${el.tagName.toLowerCase()}${id}${classes} (right ${Math.round(box.right)})`);
          if (wide.length >= 4) break;
        }
      }
    }
    return { scrollWidth, innerWidth, wide };
  });
}

interface Layout {
  /** Rows the header's brand, navigation items and language switch take. */
  headerRows: number;
  headerHeight: number;
  headerPosition: string;
  /** Catalogue cards on the first row (0 on other pages). */
  cardsPerRow: number;
}

async function layoutOf(page: Page): Promise<Layout> {
  return page.evaluate(() => {
    const doc = (globalThis as any).document;
    const getStyle = (globalThis as any).getComputedStyle;
    const header = doc.querySelector('.site-header');
    const items = [...doc.querySelectorAll('.site-header .brand, .site-header .lang-switch, .site-header nav > *')]
      .map((el: any) => el.getBoundingClientRect())
      .filter((box: any) => box.width > 0 && box.height > 0)
      .sort((a: any, b: any) => a.top - b.top);
    let headerRows = 0;
    let rowBottom = Number.NEGATIVE_INFINITY;
    for (const box of items) {
      if (box.top >= rowBottom - 2) {
        headerRows++;
        rowBottom = box.bottom;
      } else rowBottom = Math.max(rowBottom, box.bottom);
    }
    const cards = [...doc.querySelectorAll('.product-card')].map((el: any) => el.getBoundingClientRect().top);
    return {
      headerRows,
      headerHeight: Math.round(header?.getBoundingClientRect().height ?? 0),
      headerPosition: header ? getStyle(header).position : '',
      cardsPerRow: cards.filter((top: number) => Math.abs(top - cards[0]) < 2).length,
    };
  });
}

/** The language a text is in for assistive technology: its closest `lang`. */
async function textLanguages(page: Page, selector: string): Promise<Array<{ text: string; lang: string }>> {
  return page
    .locator(selector)
    .evaluateAll((els) =>
      els.map((el: any) => ({ text: el.textContent.trim(), lang: el.closest('[lang]')?.getAttribute('lang') ?? '' })),
    );
}

interface TraceLinkInfo {
  footer: { id: string | null; href: string | null } | null;
  logsHref: string | null;
  /** Texts of the main content's elements carrying data-trace-id (error and 503 pages). */
  shownIds: Array<{ id: string | null; text: string }>;
}

async function traceLinks(page: Page): Promise<TraceLinkInfo> {
  const footerLink = page.locator('footer .trace-link');
  const footer =
    (await footerLink.count()) > 0
      ? {
          id: await footerLink.first().getAttribute('data-trace-id'),
          href: await footerLink.first().getAttribute('href'),
        }
      : null;
  const logs = page.locator('.trace-logs-link');
  const logsHref = (await logs.count()) > 0 ? await logs.first().getAttribute('href') : null;
  const shownIds = await page
    .locator('main [data-trace-id]')
    .evaluateAll((els) => els.map((el: any) => ({ id: el.getAttribute('data-trace-id'), text: el.textContent ?? '' })));
  return { footer, logsHref, shownIds };
}

// ---------------------------------------------------------------------------------------
// 1. Every page, both viewports, both languages

interface Visited {
  language: Language;
  label: string;
  path: string;
  status: number | undefined;
  /** Error and 503 pages must also show their trace id as text. */
  errorPage: boolean;
}

const visited: Visited[] = [];
const visitProblems: string[] = [];
const scrollProblems: string[] = [];
const axeProblems: string[] = [];
/** Moderate and minor violations: reported, not failed. */
const axeNotes = new Set<string>();
const traceProblems: string[] = [];
const layoutProblems: string[] = [];
const layouts: string[] = [];
/** The footer's trace id of each page, to find at the receiver. */
const pageTraces: Array<{ where: string; id: string }> = [];
const signedIn = new Map<Language, BrowserContext>();

/** Checks the page as loaded, at both viewports; records what is wrong. */
async function inspect(page: Page, language: Language, label: string, response: Response | null, errorPage = false) {
  const path = new URL(page.url()).pathname + new URL(page.url()).search;
  const status: number | undefined =
    response?.status() ??
    (await page.evaluate(() => (globalThis as any).performance.getEntriesByType('navigation')[0]?.responseStatus));
  visited.push({ language, label, path, status, errorPage });
  const where = `${language} ${label} (${path}, ${status ?? '?'})`;
  const htmlLang = await page.getAttribute('html', 'lang');
  if (htmlLang !== language) visitProblems.push(`${where}: <html lang="${htmlLang}">`);

  for (const viewport of VIEWPORTS) {
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    const overflow = await horizontalOverflow(page);
    if (overflow.scrollWidth > overflow.innerWidth)
      scrollProblems.push(
        `${where} at ${viewport.name}: scrollWidth ${overflow.scrollWidth} > ${overflow.innerWidth}; ${overflow.wide.join(', ')}`,
      );
    const layout = await layoutOf(page);
    layouts.push(`${where} at ${viewport.name}: ${JSON.stringify(layout)}`);
    const phone = viewport.width < 600;
    if (!phone && layout.headerRows !== 1)
      layoutProblems.push(`${where} at ${viewport.name}: the header takes ${layout.headerRows} rows, not 1`);
    if (phone && layout.headerRows > 2)
      layoutProblems.push(`${where} at ${viewport.name}: the header takes ${layout.headerRows} rows, more than 2`);
    if (phone && /sticky|fixed/.test(layout.headerPosition) && layout.headerHeight > 64)
      layoutProblems.push(`${where} at ${viewport.name}: a ${layout.headerHeight} px header stays stuck`);
    if (phone && layout.cardsPerRow === 1)
      layoutProblems.push(`${where} at ${viewport.name}: one catalogue card per row, not two`);
    for (const v of await axeViolations(page)) {
      if (v.impact !== 'serious' && v.impact !== 'critical') {
        axeNotes.add(`${v.id} [${v.impact}] ${label}: ${v.targets[0]} — ${v.help}`);
        continue;
      }
      const more = v.targets.length > 1 ? ` (+${v.targets.length - 1} more)` : '';
      const detail = v.detail ? ` (${v.detail})` : '';
      axeProblems.push(
        `${v.id} [${v.impact}] ${where} at ${viewport.name}: ${v.targets[0]}${detail}${more} — ${v.help}`,
      );
    }
  }
  await page.setViewportSize(VIEWPORTS[0]);

  const links = await traceLinks(page);
  if (!links.footer) traceProblems.push(`${where}: no footer .trace-link`);
  else {
    const { id, href } = links.footer;
    if (!id || !TRACE_ID.test(id)) traceProblems.push(`${where}: footer trace id ${id}`);
    else {
      if (href !== `${JAEGER_UI_URL}/trace/${id}`) traceProblems.push(`${where}: footer trace href ${href}`);
      if (pageTraces.some((p) => p.id === id)) traceProblems.push(`${where}: footer trace id ${id} seen before`);
      else pageTraces.push({ where, id });
    }
    if (!links.logsHref?.startsWith(GRAFANA_URL) || !id || !decodeURIComponent(links.logsHref).includes(id))
      traceProblems.push(`${where}: .trace-logs-link ${links.logsHref} is not Grafana filtered by the trace id`);
    if (errorPage && !links.shownIds.some((s) => s.id === id && s.text.includes(id ?? '-')))
      traceProblems.push(`${where}: the error page does not show its trace id as text in main [data-trace-id]`);
  }
}

/** Loads `path` and inspects it; navigation problems are recorded, not thrown. */
async function visit(page: Page, language: Language, label: string, path: string, errorPage = false) {
  try {
    const response = await page.goto(url(path));
    await inspect(page, language, label, response, errorPage);
    return response;
  } catch (err) {
    visitProblems.push(`${language} ${label} (${path}): ${(err as Error).message.split('\n')[0]}`);
    return null;
  }
}

/** Runs a step of the walk through the shop; a failure is recorded and the walk goes on. */
async function step(language: Language, what: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    visitProblems.push(`${language} ${what}: ${(err as Error).message.split('\n')[0]}`);
  }
}

async function walkTheShop(language: Language): Promise<void> {
  const context = await newContext();
  signedIn.set(language, context);
  const page = await context.newPage();
  // Signed out.
  const first = await page.goto(url('/'));
  if (language === 'fr') {
    // The header's language switch, as a visitor would.
    await page.getByRole('group', { name: 'Language' }).getByRole('link', { name: 'FR' }).click();
    await page.waitForURL(url('/'));
    await inspect(page, language, 'catalogue, signed out', null);
  } else await inspect(page, language, 'catalogue, signed out', first);
  await step(language, 'catalogue text language', async () => {
    for (const card of await textLanguages(page, '.product-card-title'))
      if (card.lang !== language)
        layoutProblems.push(`${language} catalogue card "${card.text}": in lang "${card.lang}", not "${language}"`);
  });
  await visit(page, language, 'product, signed out', '/product/laptop-pro');
  await step(language, 'product text language', async () => {
    const english = (await call(shop.product.url, 'GET', '/api/product/laptop-pro')).body.result;
    for (const [selector, source] of [
      ['main h1', english.name],
      ['.product-detail .description', english.description],
    ]) {
      const [shown] = await textLanguages(page, selector);
      if (shown?.lang !== language)
        layoutProblems.push(`${language} product ${selector}: in lang "${shown?.lang}", not "${language}"`);
      if (language === 'fr' && shown?.text === source)
        layoutProblems.push(`fr product ${selector}: still in English ("${source}")`);
    }
  });
  await visit(page, language, 'login', '/login');
  await step(language, 'failed sign-in', async () => {
    await submit(page, page.locator('form[action^="/login"] [type=submit]'));
    await inspect(page, language, 'login with errors', null);
  });
  await visit(page, language, 'register', '/register');
  await step(language, 'failed register', async () => {
    await page.locator('#username').fill('x');
    await page.locator('#email').fill('not-an-email');
    await submit(page, page.locator('form[action^="/register"] [type=submit]'));
    await inspect(page, language, 'register with errors', null);
  });
  await visit(page, language, '404, signed out', '/no/such/page', true);

  // Signed in, with items in the cart.
  await registerAndSignIn(page, newUsername(`ux_${language}`));
  await visit(page, language, 'catalogue, signed in', '/');
  await step(language, 'add to cart', async () => {
    await addToCart(page, 'wireless-headphones', 2);
    await inspect(page, language, 'product, added to cart', null);
    await addToCart(page, 'laptop-pro', 1);
  });
  let cartPath = '/checkout';
  await step(language, 'cart', async () => {
    cartPath = (await page.locator('a.nav-cart').getAttribute('href')) ?? '/checkout';
    const response = await page.goto(url(cartPath));
    await page.locator('tr.line-item').first().waitFor();
    await inspect(page, language, 'cart with items', response);
  });
  if (cartPath !== '/checkout') await visit(page, language, 'checkout', '/checkout');
  let orderId: string | null = null;
  await step(language, 'place the order', async () => {
    await page.goto(url(cartPath));
    await submit(page, page.locator('form[action="/checkout/process"] [type=submit]'));
    await page.waitForURL(/\/order\/thank-you/);
    orderId = await page.locator('[data-testid="order-placed"]').getAttribute('data-order-id');
    await inspect(page, language, 'thank-you', null);
  });
  await visit(page, language, 'orders', '/orders');
  if (orderId) await visit(page, language, 'one order', `/orders/${orderId}`);
  await visit(page, language, '404 of a product, signed in', '/product/no-such-product', true);
  await page.close();
}

describe('every page, at 1280×900 and 390×844, in English and French', () => {
  before(async () => {
    for (const language of LANGUAGES) {
      try {
        await walkTheShop(language);
      } catch (err) {
        visitProblems.push(`${language}: the walk stopped: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    // The 503 pages: product-service stopped, the shoppers still signed in with an item in the cart.
    for (const [language, context] of signedIn)
      await step(language, 'fill the cart again', async () => {
        const page = await context.newPage();
        await addToCart(page, 'camera', 1);
        await page.close();
      });
    await shop.product.stop();
    try {
      for (const language of LANGUAGES) {
        const context = signedIn.get(language);
        if (!context) continue;
        const page = await context.newPage();
        const catalogue = await visit(page, language, '503 catalogue (product-service down)', '/', true);
        if (catalogue && catalogue.status() !== 503)
          visitProblems.push(`${language} catalogue with product-service down answered ${catalogue.status()}, not 503`);
        const catalogueDown = await page.locator('.error-page .lead').textContent();
        await visit(page, language, '503 product (product-service down)', '/product/laptop-pro', true);
        // The cart needs product-service through order-service: its page names the catalogue.
        const cartPath = (await page.locator('a.nav-cart').getAttribute('href')) ?? '/checkout';
        const cart = await visit(page, language, '503 cart (product-service down)', cartPath, true);
        if (cart && cart.status() !== 503)
          visitProblems.push(`${language} cart with product-service down answered ${cart.status()}, not 503`);
        const cartDown = await page.locator('.error-page .lead').textContent();
        if (cartDown !== catalogueDown)
          visitProblems.push(
            `${language} cart with product-service down says "${cartDown}", not what the catalogue says: "${catalogueDown}"`,
          );
        await visit(page, language, 'orders (product-service down)', '/orders');
        await page.close();
      }
    } finally {
      await shop.product.start();
      for (const context of signedIn.values()) await context.close();
    }
  });

  it('visits every page in both languages', (t) => {
    for (const v of visited) t.diagnostic(`${v.language} ${v.label}: ${v.path} ${v.status}`);
    const pages = new Set(visited.map((v) => `${v.language} ${v.label}`));
    assert.ok(pages.size >= 2 * 14, `visited only: ${[...pages].join('; ')}`);
    assert.deepEqual(visitProblems, []);
  });

  it('has no horizontal scroll on any page', () => {
    assert.deepEqual(scrollProblems, [], `horizontal scroll:\n${scrollProblems.join('\n')}`);
  });

  it('keeps the phone header compact, two cards a row, the desktop header on one row, product text in the page language', (t) => {
    for (const line of layouts.filter((l) => l.includes('catalogue'))) t.diagnostic(line);
    assert.deepEqual(layoutProblems, [], `layout:\n${layoutProblems.join('\n')}`);
  });

  it('has no serious or critical accessibility violation (axe-core)', (t) => {
    for (const note of axeNotes) t.diagnostic(note);
    assert.deepEqual(axeProblems, [], `axe-core:\n${axeProblems.join('\n')}`);
  });

  it('leads from every page to its own trace (footer links; the id shown on error pages)', async () => {
    assert.deepEqual(traceProblems, [], `trace links:\n${traceProblems.join('\n')}`);
    // Each id is the trace of the request that rendered the page: the frontend's server span.
    const rendered = (id: string) =>
      receiver.spansOfTrace(id).some((s) => s.service === 'frontend' && s.kind === SPAN_KIND.SERVER);
    await receiver
      .waitUntil('the frontend span of every page trace', () => pageTraces.every((p) => rendered(p.id)))
      .catch(() => undefined);
    const missing = pageTraces.filter((p) => !rendered(p.id)).map((p) => `${p.where}: ${p.id}`);
    assert.deepEqual(missing, [], `traces the receiver has no frontend server span of:\n${missing.join('\n')}`);
  });
});

// ---------------------------------------------------------------------------------------
// 2. JavaScript off

describe('with JavaScript off', () => {
  it('changes a cart quantity: 2 → 1, then 0 removes the line', async () => {
    const context = await newContext(false);
    try {
      const page = await context.newPage();
      await registerAndSignIn(page, newUsername('ux_qty'));
      await addToCart(page, 'gaming-mouse', 2);
      await addToCart(page, 'camera', 1);
      const mouse = await productId('gaming-mouse');
      const cartPath = (await page.locator('a.nav-cart').getAttribute('href')) ?? '/checkout';
      await page.goto(url(cartPath));

      const line = page.locator(`tr.line-item[data-product-id="${mouse}"]`);
      const form = page
        .locator('form[action="/cart/quantity"]')
        .filter({ has: page.locator(`input[name="product_id"][value="${mouse}"]`) });
      assert.equal(await form.count(), 1, 'one quantity form for the line');
      const input = form.locator('input[type="number"][name="quantity"]');
      assert.equal(await input.getAttribute('min'), '0');
      assert.equal(await input.inputValue(), '2');
      assert.equal(await form.locator('input[name="_csrf"]').count(), 1, 'the form carries the CSRF field');

      await input.fill('1');
      await submit(page, form.locator('[type=submit]'));
      assert.equal(new URL(page.url()).pathname, new URL(url(cartPath)).pathname, 'back on the cart');
      assert.equal(await line.count(), 1);
      assert.equal(
        await form.locator('input[name="quantity"]').inputValue(),
        '1',
        'the new quantity is set, not added',
      );
      assert.equal((await page.locator('[data-testid="cart-count"]').textContent())?.trim(), '2');

      await form.locator('input[name="quantity"]').fill('0');
      await submit(page, form.locator('[type=submit]'));
      assert.equal(await line.count(), 0, 'quantity 0 removes the line');
      assert.equal(await page.locator('tr.line-item').count(), 1, 'the other line stays');
      assert.equal((await page.locator('[data-testid="cart-count"]').textContent())?.trim(), '1');
    } finally {
      await context.close();
    }
  });

  it('keeps the product and its quantity through sign-in and registration', async () => {
    const context = await newContext(false);
    try {
      const page = await context.newPage();
      await page.goto(url('/product/camera'));
      await page.locator('input[name="quantity"]').fill('3');
      await page.locator('form.add-to-cart [type=submit]').click();
      await page.waitForURL((u) => u.pathname === '/login');
      assert.equal(new URL(page.url()).searchParams.get('next'), '/product/camera?quantity=3', page.url());

      await page.getByRole('link', { name: 'Create an account' }).click();
      await page.waitForURL((u) => u.pathname === '/register');
      assert.equal(new URL(page.url()).searchParams.get('next'), '/product/camera?quantity=3', page.url());

      const username = newUsername('ux_next');
      await fillRegistration(page, username);
      await page.locator('form[action^="/register"] [type=submit]').click();
      await page.waitForURL((u) => u.pathname === '/product/camera');
      assert.equal(new URL(page.url()).searchParams.get('quantity'), '3', page.url());
      assert.equal(await page.locator('.greeting', { hasText: username }).count(), 1, 'signed in after registering');
      assert.equal(await page.locator('input[name="quantity"]').inputValue(), '3', 'the quantity is prefilled');

      await page.locator('form.add-to-cart [type=submit]').click();
      await page.locator('.notice-success').waitFor();
      assert.equal((await page.locator('[data-testid="cart-count"]').textContent())?.trim(), '3');
    } finally {
      await context.close();
    }
  });

  it('focuses the first invalid field of a failed registration and links every bad field', async () => {
    const context = await newContext(false);
    try {
      const page = await context.newPage();
      await page.goto(url('/register'));
      // First name empty, a bad username and email; last name and password fine.
      await page.locator('#last_name').fill('Lovelace');
      await page.locator('#username').fill('x');
      await page.locator('#email').fill('not-an-email');
      await page.locator('#password').fill(SHOPPER_PASSWORD);
      await submit(page, page.locator('form[action^="/register"] [type=submit]'));
      assert.equal(await page.locator('.error-summary').count(), 1, 'an error summary');

      const invalid = await page.locator('[aria-invalid="true"]').evaluateAll((els) => els.map((el: any) => el.id));
      assert.ok(invalid.length >= 2, `invalid fields: ${invalid}`);
      for (const id of ['username', 'email']) assert.ok(invalid.includes(id), `#${id} is aria-invalid: ${invalid}`);

      const summary = page.locator('.error-summary');
      assert.equal(await summary.getAttribute('role'), 'alert');
      assert.equal(await summary.getAttribute('tabindex'), '-1');
      const links = await summary
        .locator('a[href^="#"]')
        .evaluateAll((els) => els.map((el: any) => ({ href: el.getAttribute('href'), text: el.textContent.trim() })));
      assert.deepEqual(
        links.map((l) => l.href),
        invalid.map((id) => `#${id}`),
        'the summary links each bad field, in order',
      );
      for (const link of links) {
        const id = link.href.slice(1);
        const label = ((await page.locator(`label[for="${id}"]`).textContent()) ?? '').trim();
        assert.ok(link.text.startsWith(label), `"${link.text}" names its field "${label}"`);
      }

      // The first invalid field carries autofocus; with JavaScript off Chromium still honours it.
      const first = invalid[0];
      assert.equal(await page.locator('[autofocus]').count(), 1, 'one autofocus');
      assert.equal(await page.locator(`#${first}[autofocus]`).count(), 1, `#${first} has autofocus`);
      // (Chromium applies autofocus without JavaScript, once the page has rendered.)
      let focused = '';
      for (let i = 0; i < 20 && focused !== first; i++) {
        focused = await page.evaluate(() => (globalThis as any).document.activeElement?.id ?? '');
        if (focused !== first) await page.waitForTimeout(100);
      }
      assert.equal(focused, first, 'focus is on the first invalid field after load');
    } finally {
      await context.close();
    }
  });
});

// ---------------------------------------------------------------------------------------
// 3. The checkout's trace, from the thank-you page to the receiver

describe('the thank-you page links the checkout trace', () => {
  it('names one trace across the frontend and order-service', async () => {
    const context = await newContext();
    try {
      const page = await context.newPage();
      await registerAndSignIn(page, newUsername('ux_trace'));
      await addToCart(page, 'smartphone-x', 1);
      await page.goto(url((await page.locator('a.nav-cart').getAttribute('href')) ?? '/checkout'));
      await page.locator('form[action="/checkout/process"] [type=submit]').click();
      await page.waitForURL(/\/order\/thank-you/);

      const link = page.locator('main [data-checkout-trace]');
      assert.equal(await link.count(), 1, 'the thank-you page has the checkout trace link');
      const traceId = (await link.getAttribute('data-checkout-trace')) ?? '';
      assert.match(traceId, TRACE_ID);
      assert.equal(await link.getAttribute('href'), `${JAEGER_UI_URL}/trace/${traceId}`);

      await receiver.waitUntil('the checkout POST and order-service in the linked trace', () => {
        const spans = receiver.spansOfTrace(traceId);
        return (
          spans.some(
            (s) =>
              s.service === 'frontend' &&
              s.kind === SPAN_KIND.SERVER &&
              s.attributes['http.route'] === '/checkout/process',
          ) && spans.some((s) => s.service === 'order-service')
        );
      });

      // The footer names the thank-you page's own trace, a different one.
      const footer = page.locator('footer .trace-link');
      const ownId = (await footer.getAttribute('data-trace-id')) ?? '';
      assert.match(ownId, TRACE_ID);
      assert.notEqual(ownId, traceId);
      assert.equal(await footer.getAttribute('href'), `${JAEGER_UI_URL}/trace/${ownId}`);
      await receiver.waitUntil('the thank-you page in its own trace', () =>
        receiver
          .spansOfTrace(ownId)
          .some(
            (s) =>
              s.service === 'frontend' &&
              s.kind === SPAN_KIND.SERVER &&
              s.attributes['http.route'] === '/order/thank-you',
          ),
      );
    } finally {
      await context.close();
    }
  });
});
