/**
 * The shop's browser telemetry (services/browser) in a real browser (headless Debian
 * Chromium via playwright-core), exporting over OTLP/HTTP to the in-test receiver as it
 * would to the collector's published port:
 * 1. a shopper loads a product page (with a query string that must not leave the browser),
 *    adds to cart and checks out: the browser's spans arrive (documentLoad, documentFetch,
 *    resourceFetch, the clicks), each page's documentLoad span is the child of the server
 *    span named by the page's traceparent meta tag, in the same trace as the frontend's and
 *    the backends' spans down to SQL (the product page: product-service; the thank-you page
 *    loads inside the checkout's trace, which crosses the four services); the thank-you
 *    page's load links back to the click on "Place order"; no attribute holds a
 *    query string or a form value; the Web Vitals and page loads arrive as histograms with
 *    the page's route; the CSP allows exactly the receiver's origin; the exports carry no
 *    cookie;
 * 2. with JavaScript off a checkout completes and nothing is exported;
 * 3. with the collector unreachable the pages work, show no script error, and the tab
 *    pauses after its first failed exports instead of retrying on every page.
 * Uses /usr/bin/chromium (or CHROMIUM_PATH); never downloads a browser.
 */
import assert from 'node:assert/strict';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { SHOPPER_PASSWORD } from '../../tools/stack/frontend-client.ts';
import { launchChromium } from './harness/chromium.ts';
import { OtlpReceiver, type ReceivedSpan, SPAN_KIND } from './harness/otlp-receiver.ts';
import { waitFor } from './harness/ports.ts';
import { type ServiceProcess, startService } from './harness/services.ts';
import { type Shop, startShop } from './harness/shop.ts';

const BROWSER_SERVICE = 'shopscope-browser';
/** Put in the product page's query string: it must appear in no exported byte. */
const QUERY_MARKER = 'query-must-not-leave-4711';
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

let receiver: OtlpReceiver;
let shop: Shop;
let browser: Browser;
let usernames = 0;

before(async () => {
  receiver = await (await new OtlpReceiver().start()).startHttp();
  [shop, browser] = await Promise.all([
    startShop({ otlpEndpoint: receiver.endpoint, env: { BROWSER_OTLP_URL: receiver.httpEndpoint } }),
    launchChromium(),
  ]);
});

after(async () => {
  await browser?.close();
  await shop?.stop();
  await receiver?.stop();
});

function newUsername(prefix: string): string {
  return `${prefix}_${process.pid % 10000}_${++usernames}`;
}

async function newContext(javaScriptEnabled = true): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled });
  context.setDefaultTimeout(10_000);
  return context;
}

/** Clicks a link or a form's button and waits for the page it leads to (after any redirect). */
async function follow(page: Page, element: Locator): Promise<void> {
  await Promise.all([page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()), element.click()]);
  await page.waitForLoadState();
}

async function registerAndSignIn(page: Page, baseUrl: string, username: string): Promise<void> {
  await page.goto(`${baseUrl}/register`);
  await page.locator('#first_name').fill('Ada');
  await page.locator('#last_name').fill('Lovelace');
  await page.locator('#username').fill(username);
  await page.locator('#email').fill(`${username}@example.test`);
  await page.locator('#password').fill(SHOPPER_PASSWORD);
  await follow(page, page.locator('form[action^="/register"] [type=submit]'));
  await page.locator('.greeting', { hasText: username }).waitFor();
}

/** From the product page: a quantity, "Add to cart", the cart, "Place order", the thank-you page. */
async function buy(page: Page, baseUrl: string, slug: string, quantity: number, query = ''): Promise<void> {
  await page.goto(`${baseUrl}/product/${slug}${query}`);
  await page.locator('input[name="quantity"]').fill(String(quantity));
  await follow(page, page.locator('form.add-to-cart [type=submit]'));
  await page.locator('.notice-success').waitFor();
  await follow(page, page.locator('a.nav-cart'));
  await follow(page, page.locator('form[action="/checkout/process"] [type=submit]'));
  await page.locator('[data-testid="order-placed"]').waitFor();
}

/** The page's traceparent meta tag: the trace and the server span that rendered it. */
async function traceparentOf(page: Page): Promise<{ traceId: string; spanId: string }> {
  const content = (await page.locator('meta[name="traceparent"]').getAttribute('content')) ?? '';
  const match = TRACEPARENT.exec(content);
  assert.ok(match, `a traceparent meta tag, got ${JSON.stringify(content)}`);
  return { traceId: match[1]!, spanId: match[2]! };
}

const browserSpans = () => receiver.spans.filter((s) => s.service === BROWSER_SERVICE);

function documentLoadOf(traceId: string): ReceivedSpan | undefined {
  return browserSpans().find((s) => s.name === 'documentLoad' && s.traceId === traceId);
}

describe('browser telemetry joined to the server trace', () => {
  it('exports the page loads, resources and clicks of a purchase, each page load in its server trace', async () => {
    const context = await newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => msg.type() === 'error' && problems.push(`console: ${msg.text()}`));
    const username = newUsername('bt');
    const pages: Record<string, { traceId: string; spanId: string }> = {};
    try {
      await registerAndSignIn(page, shop.frontend.url, username);

      // The CSP lets the pages send to the collector's origin, and to nowhere else.
      const answer = await page.request.get(`${shop.frontend.url}/product/laptop-pro`);
      const csp = answer.headers()['content-security-policy'] ?? '';
      assert.match(csp, new RegExp(`connect-src 'self' ${receiver.httpEndpoint.replaceAll('.', '\\.')}(;|$)`), csp);

      await page.goto(`${shop.frontend.url}/product/laptop-pro?ref=${QUERY_MARKER}`);
      pages.product = await traceparentOf(page);
      assert.equal(await page.locator('meta[name="shopscope-page-route"]').getAttribute('content'), '/product/:slug');
      await page.locator('input[name="quantity"]').fill('2');
      await follow(page, page.locator('form.add-to-cart [type=submit]'));
      await page.locator('.notice-success').waitFor();
      await follow(page, page.locator('a.nav-cart'));
      pages.cart = await traceparentOf(page);
      await follow(page, page.locator('form[action="/checkout/process"] [type=submit]'));
      await page.locator('[data-testid="order-placed"]').waitFor();
      pages.thankYou = await traceparentOf(page);
      const checkoutTraceId = await page.locator('[data-checkout-trace]').getAttribute('data-checkout-trace');
      assert.ok(checkoutTraceId);
      // Leaving the page is what sends its last spans and its Web Vitals.
      await follow(page, page.locator('nav.nav a[href="/orders"]'));
      await page.close({ runBeforeUnload: true });

      await receiver.waitUntil('the documentLoad spans of the product, cart and thank-you pages', () =>
        Object.values(pages).every(({ traceId }) => documentLoadOf(traceId) !== undefined),
      );
      for (const [name, { traceId, spanId }] of Object.entries(pages)) {
        const load = documentLoadOf(traceId)!;
        // The child of the server span that rendered the page: one trace from the browser down.
        assert.equal(load.parentSpanId, spanId, `${name}: documentLoad is a child of the meta tag's span`);
        const server = receiver.spans.find((s) => s.spanId === spanId);
        assert.ok(server, `${name}: the frontend exported the span the meta tag names`);
        assert.equal(server.service, 'frontend');
        assert.equal(server.traceId, traceId);
        const children = browserSpans().filter((s) => s.parentSpanId === load.spanId);
        assert.ok(
          children.some((s) => s.name === 'documentFetch'),
          `${name}: documentFetch under documentLoad`,
        );
        assert.ok(
          children.some((s) => s.name === 'resourceFetch' && String(s.attributes['url.full']).includes('/static/')),
          `${name}: resourceFetch spans of the page's static files`,
        );
      }
      assert.equal(documentLoadOf(pages.product!.traceId)!.attributes['page.route'], '/product/:slug');

      // The product page's trace: the browser, the frontend, product-service and its SQL.
      await receiver.waitUntil('the product page trace down to SQL', () => {
        const services = new Set(receiver.spansOfTrace(pages.product!.traceId).map((s) => s.service));
        return services.has('product-service') && services.has(BROWSER_SERVICE);
      });
      const productTrace = receiver.spansOfTrace(pages.product!.traceId);
      assert.ok(
        productTrace.some(
          (s) => s.service === 'product-service' && s.kind === SPAN_KIND.CLIENT && /select/i.test(s.name),
        ),
        `product-service's SQL in the page's trace: ${[...new Set(productTrace.map((s) => `${s.service}:${s.name}`))].join(', ')}`,
      );

      // The thank-you page loads inside the checkout's trace (its meta tag is the checkout's,
      // carried by the session across the redirect): one trace from the browser's page load
      // through the frontend, order-service, user-service and product-service to their SQL.
      assert.equal(pages.thankYou!.traceId, checkoutTraceId, "the thank-you page names the checkout's trace");
      await receiver.waitUntil('the thank-you page trace across the services', () => {
        const services = new Set(receiver.spansOfTrace(pages.thankYou!.traceId).map((s) => s.service));
        return [BROWSER_SERVICE, 'frontend', 'order-service', 'user-service', 'product-service'].every((s) =>
          services.has(s),
        );
      });
      const thankYouTrace = receiver.spansOfTrace(pages.thankYou!.traceId);
      assert.ok(
        thankYouTrace.some(
          (s) => s.service === 'order-service' && s.kind === SPAN_KIND.CLIENT && /select/i.test(s.name),
        ),
        "order-service's SQL in the thank-you page's trace",
      );

      // The clicks: named after where they lead, the checkout's linked from the page it led to.
      await receiver.waitUntil('the clicks', () =>
        ['click button POST /product/laptop-pro', 'click link /checkout', 'click button POST /checkout/process'].every(
          (name) => browserSpans().some((s) => s.name === name),
        ),
      );
      const placeOrder = browserSpans().find((s) => s.name === 'click button POST /checkout/process')!;
      assert.deepEqual(
        documentLoadOf(pages.thankYou!.traceId)!.links,
        [{ traceId: placeOrder.traceId, spanId: placeOrder.spanId }],
        'the thank-you page load links the click on "Place order"',
      );
      // The checkout itself (POST /checkout/process, across the four services) is the trace the thank-you page links.
      await receiver.waitUntil('the checkout trace across the services', () => {
        const services = new Set(receiver.spansOfTrace(checkoutTraceId).map((s) => s.service));
        return ['frontend', 'order-service', 'user-service', 'product-service'].every((s) => services.has(s));
      });

      // Web Vitals and page loads, by route template.
      await receiver.waitUntil('the Web Vitals and page loads of the product page', () => {
        const routes = (name: string) =>
          receiver.metrics
            .filter((m) => m.service === BROWSER_SERVICE && m.name === name)
            .flatMap((m) => m.points.map((p) => p.attributes['page.route']));
        return (
          routes('browser.web_vital.lcp').includes('/product/:slug') &&
          routes('browser.web_vital.cls').includes('/product/:slug') &&
          routes('browser.page.load.duration').includes('/checkout')
        );
      });
      for (const metric of receiver.metrics.filter((m) => m.service === BROWSER_SERVICE)) {
        assert.equal(metric.type, 'histogram', metric.name);
        assert.match(String(metric.resource['service.instance.id']), /^[0-9a-f-]{36}$/);
        for (const point of metric.points) {
          assert.deepEqual(Object.keys(point.attributes), ['page.route'], metric.name);
          assert.match(String(point.attributes['page.route']), /^\/[^?#]*$/);
          assert.equal(point.count, 1);
        }
      }
      const lcp = receiver.metrics.find((m) => m.service === BROWSER_SERVICE && m.name === 'browser.web_vital.lcp')!;
      assert.equal(lcp.unit, 's');
      assert.ok(lcp.points[0]!.sum! > 0 && lcp.points[0]!.sum! < 30, `an LCP in seconds: ${lcp.points[0]!.sum}`);

      // Nothing personal left the browser: no query string, no form value, no cookie.
      for (const span of browserSpans()) {
        for (const [key, value] of Object.entries(span.attributes)) {
          if (typeof value !== 'string') continue;
          if (key.startsWith('url.') || key.startsWith('http.'))
            assert.doesNotMatch(value, /[?#]/, `${span.name} ${key}=${value}`);
        }
      }
      const sent = Buffer.concat(receiver.httpExports.map((e) => e.body));
      for (const secret of [QUERY_MARKER, username, SHOPPER_PASSWORD, `${username}@example.test`])
        assert.equal(sent.includes(secret), false, `the browser's exports contain ${secret}`);
      assert.ok(receiver.httpExports.length > 0);
      for (const request of receiver.httpExports) {
        assert.equal(request.origin, new URL(shop.frontend.url).origin, 'a CORS request from the shop');
        assert.equal(request.credentials, false, 'no cookie or Authorization header');
        assert.match(request.contentType ?? '', /^application\/json/);
      }
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it('completes a checkout with JavaScript off, exporting nothing from the browser', async () => {
    const context = await newContext(false);
    const page = await context.newPage();
    try {
      await registerAndSignIn(page, shop.frontend.url, newUsername('nojs'));
      const exportsBefore = receiver.httpExports.length;
      await buy(page, shop.frontend.url, 'wireless-headphones', 1);
      assert.match((await page.locator('[data-testid="order-placed"]').textContent()) ?? '', /has been placed/);
      await page.close();
      // The script never ran: a second later still no export from this context.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      assert.equal(receiver.httpExports.length, exportsBefore);
    } finally {
      await context.close();
    }
  });

  describe('with the collector unreachable', () => {
    let frontend: ServiceProcess;
    let collector: Server;
    let collectorUrl: string;
    let connections = 0;

    before(async () => {
      // A collector that cannot be reached: every connection is dropped at once, so each
      // export fails as it would against a closed port, and the attempts can be counted
      // (Chromium does not report to Playwright the requests a page makes while it unloads).
      collector = createServer((socket) => {
        connections++;
        socket.destroy();
      });
      await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
      collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
      frontend = await startService('frontend', { ...shop.frontend.env, BROWSER_OTLP_URL: collectorUrl });
    });

    after(async () => {
      await frontend?.stop();
      await new Promise((resolve) => collector?.close(resolve));
    });

    it('keeps the pages working, shows no script error and stops trying after the first failures', async () => {
      const context = await newContext();
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      page.on('console', (msg) => {
        // The browser itself logs each failed request; the script adds nothing of its own.
        if (msg.type() === 'error' && !/Failed to load resource: net::ERR_/.test(msg.text()))
          problems.push(`console: ${msg.text()}`);
      });
      let pageLoads = 0;
      page.on('load', () => pageLoads++);
      try {
        // Quick pages: each sends its spans and vitals once as it unloads (one request per
        // signal, never retried; the page is gone before it could learn of the failure).
        await registerAndSignIn(page, frontend.url, newUsername('down'));
        await buy(page, frontend.url, 'camera', 1);
        const attemptsWhileShopping = connections;
        assert.ok(attemptsWhileShopping > 0, 'the script did try the collector');
        assert.ok(
          attemptsWhileShopping <= 2 * pageLoads,
          `at most one request per signal and page: ${attemptsWhileShopping} for ${pageLoads} pages`,
        );
        // A page that stays open sees its export fail: the tab pauses for a minute…
        await waitFor(
          'the tab to pause its exports',
          async () => (await page.evaluate('sessionStorage.getItem("shopscope.telemetry.pausedUntil")')) ?? undefined,
          { timeoutMs: 10_000, intervalMs: 200 },
        );
        const attemptsBeforePause = connections;
        // …and its next pages send nothing at all.
        for (const path of ['/orders', '/', '/product/smartphone-x', '/checkout']) {
          await page.goto(`${frontend.url}${path}`);
          await page.locator('main h1').first().waitFor();
        }
        await page.close({ runBeforeUnload: true });
        await new Promise((resolve) => setTimeout(resolve, 1000));
        assert.equal(connections, attemptsBeforePause, 'no request while paused');
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });
  });
});
