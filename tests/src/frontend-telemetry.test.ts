/**
 * The web shop's telemetry contract, with the whole shop exporting to the in-test OTLP
 * receiver: one page view per rendered page labelled by route template and status, a
 * checkout traced from the browser's POST through order-service to user- and
 * product-service, and no password, API key or cookie in anything exported.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  addToCart,
  checkout,
  decodeEntities,
  pageText,
  SHOPPER_PASSWORD,
  signedInShopper,
  WebClient,
} from '../../tools/stack/frontend-client.ts';
import { OtlpReceiver, type ReceivedSpan, SPAN_KIND } from './harness/otlp-receiver.ts';
import { type Shop, startShop } from './harness/shop.ts';

let receiver: OtlpReceiver;
let shop: Shop;
let client: WebClient;
let orderId: number;

before(async () => {
  receiver = await new OtlpReceiver().start();
  shop = await startShop({ otlpEndpoint: receiver.endpoint });
  client = await signedInShopper(shop.frontend.url, 'tracy');
  // Registering signs the shopper in: the login page is shown to a visitor not signed in.
  assert.equal((await new WebClient(shop.frontend.url).get('/login')).status, 200);
  await client.get('/');
  await client.get('/product/no-such-product');
  await client.get('/no/such/page');
  await addToCart(client, 'gaming-mouse', 2);
  orderId = await checkout(client);
  await client.get(`/order/thank-you?id=${orderId}`);
});

after(async () => {
  await shop?.stop();
  await receiver?.stop();
});

/** Latest cumulative value of shopscope.page.views for a page and status, from the frontend. */
function pageViews(page: string, status: number): number {
  let value = 0;
  for (const metric of receiver.metrics) {
    if (metric.service !== 'frontend' || metric.name !== 'shopscope.page.views') continue;
    for (const point of metric.points) {
      if (point.attributes.page === page && point.attributes.status === status) value = point.value ?? 0;
    }
  }
  return value;
}

describe('frontend telemetry', () => {
  it('counts rendered pages by route template and status', async () => {
    const expected: Array<[string, number]> = [
      ['/', 200],
      ['/product/:slug', 200],
      ['/product/:slug', 404],
      ['unmatched', 404],
      ['/order/thank-you', 200],
      ['/register', 200],
      ['/login', 200],
    ];
    await receiver.waitUntil('page views for every page', () =>
      expected.every(([page, status]) => pageViews(page, status) > 0),
    );
    const pages = new Set(
      receiver.metrics
        .filter((m) => m.name === 'shopscope.page.views')
        .flatMap((m) => m.points.map((p) => String(p.attributes.page))),
    );
    for (const page of pages)
      assert.ok(page === 'unmatched' || page.startsWith('/'), `route template, not a raw path: ${page}`);
    assert.ok(!pages.has('/product/gaming-mouse'), 'no raw product path as a label');
  });

  it('traces a checkout from the page through order-service to user- and product-service', async () => {
    const isCheckoutPost = (s: ReceivedSpan) =>
      s.service === 'frontend' && s.kind === SPAN_KIND.SERVER && s.attributes['http.route'] === '/checkout/process';
    await receiver.waitUntil('the frontend checkout span', () => receiver.spans.some(isCheckoutPost));
    const root = receiver.spans.find(isCheckoutPost)!;
    assert.equal(root.attributes['http.response.status_code'], 303);

    const servicesInTrace = () => new Set(receiver.spansOfTrace(root.traceId).map((s) => s.service));
    await receiver.waitUntil('order, user and product spans in the checkout trace', () =>
      ['order-service', 'user-service', 'product-service'].every((name) => servicesInTrace().has(name)),
    );
    const trace = receiver.spansOfTrace(root.traceId);
    const orderServer = trace.find((s) => s.service === 'order-service' && s.kind === SPAN_KIND.SERVER);
    assert.equal(orderServer?.attributes['http.route'], '/api/order/checkout');
    const frontendSpans = trace.filter((s) => s.service === 'frontend');
    assert.ok(
      frontendSpans.some((s) => s.kind === SPAN_KIND.CLIENT),
      'the call to order-service is a client span',
    );
    assert.ok(
      frontendSpans.some((s) => s.attributes['order.id'] === orderId),
      'the placed order id is on the trace',
    );
    assert.ok(
      frontendSpans.some((s) => typeof s.attributes['user.id'] === 'string'),
      'the shopper id is on the trace',
    );
  });

  it('exports no password, API key or cookie', async () => {
    await receiver.waitUntil('frontend logs', () => receiver.logs.some((l) => l.service === 'frontend'));
    const session = client.cookie('shopscope_session')!.value;
    const apiKey = String(JSON.parse(Buffer.from(session, 'base64').toString('utf8')).api_key);
    for (const [what, secret] of [
      ['password', SHOPPER_PASSWORD],
      ['API key', apiKey],
      ['session cookie', session],
      ['session signature', client.cookie('shopscope_session.sig')!.value],
    ]) {
      assert.equal(receiver.contains(secret), false, `the ${what} reached the collector`);
      assert.ok(!shop.frontend.lines.some((l) => l.includes(secret)), `the ${what} is in the frontend's logs`);
    }
  });
});

// Issue 16: every page leads to its own trace. The ids the pages show are looked up at the
// OTLP receiver, as a learner would look them up in Jaeger.
describe('trace links', () => {
  const JAEGER = 'http://localhost:16686';
  const isServerSpanOf = (traceId: string, route: string) => (s: ReceivedSpan) =>
    s.traceId === traceId &&
    s.service === 'frontend' &&
    s.kind === SPAN_KIND.SERVER &&
    s.attributes['http.route'] === route;

  /** The footer's trace link of a page: its id, its Jaeger URL, its Grafana logs URL. */
  function footerTrace(html: string): { id: string; href: string; logs: string | undefined } {
    const link = /<a class="trace-link" data-trace-id="([0-9a-f]{32})" href="([^"]+)"/.exec(html);
    assert.ok(link, 'the footer links the page’s trace');
    const logs = /<a class="trace-logs-link" href="([^"]+)"/.exec(html)?.[1];
    return { id: link[1]!, href: decodeEntities(link[2]!), logs: logs && decodeEntities(logs) };
  }

  it('a page’s footer links the trace of the request that rendered it, in Jaeger and in Grafana', async () => {
    const page = await client.get('/product/camera');
    assert.equal(page.status, 200);
    const { id, href, logs } = footerTrace(page.html);
    assert.equal(href, `${JAEGER}/trace/${id}`);
    await receiver.waitUntil('the product page’s server span, in the trace its footer names', () =>
      receiver.spans.some(isServerSpanOf(id, '/product/:slug')),
    );
    const grafana = new URL(logs ?? '');
    assert.equal(`${grafana.origin}${grafana.pathname}`, 'http://localhost:3000/explore');
    assert.ok(grafana.searchParams.get('panes')?.includes(`trace_id=\\"${id}\\"`), 'Loki filtered by the trace id');
    // Each page its own trace.
    const other = footerTrace((await client.get('/product/camera')).html);
    assert.notEqual(other.id, id);
  });

  it('the thank-you page links the checkout’s trace: the POST that placed the order, through every service', async () => {
    const buyer = await signedInShopper(shop.frontend.url, 'tessa');
    await addToCart(buyer, 'webcam-hd', 1);
    const placed = await buyer.submit('/checkout', '/checkout/process');
    assert.equal(placed.status, 303);
    const carried = /^\/order\/thank-you\?id=\d+&trace=([0-9a-f]{32})$/.exec(placed.location ?? '')?.[1];
    assert.ok(carried, `the redirect carries the checkout's trace: ${placed.location}`);
    const thanks = await buyer.get(placed.location!);
    assert.equal(thanks.status, 200);
    const link = /<a [^>]*data-checkout-trace="([0-9a-f]{32})" href="([^"]+)"/.exec(thanks.html);
    assert.equal(link?.[1], carried);
    assert.equal(link?.[2], `${JAEGER}/trace/${carried}`);
    assert.notEqual(footerTrace(thanks.html).id, carried, 'the footer still names the thank-you page’s own trace');
    await receiver.waitUntil('the checkout POST and order-, user- and product-service in that trace', () => {
      const spans = receiver.spansOfTrace(carried);
      return (
        spans.some(isServerSpanOf(carried, '/checkout/process')) &&
        ['order-service', 'user-service', 'product-service'].every((name) => spans.some((s) => s.service === name))
      );
    });
    // A forged or malformed id is not linked.
    const forged = await buyer.get(`${placed.location!.replace(/&trace=.*/, '')}&trace=${'z'.repeat(32)}`);
    assert.equal(forged.status, 200);
    assert.doesNotMatch(forged.html, /data-checkout-trace/);
  });

  it('error pages show their trace id, so the failure can be looked up: a 404 and a 503', async () => {
    const missing = await client.get('/no/such/page');
    assert.equal(missing.status, 404);
    const notFoundId = /<code data-trace-id="([0-9a-f]{32})">\1<\/code>/.exec(missing.html)?.[1];
    assert.ok(notFoundId, 'the trace id in the page text');
    assert.equal(footerTrace(missing.html).id, notFoundId);
    assert.match(pageText(missing.html), new RegExp(`Trace id of this error, to look it up in Jaeger: ${notFoundId}`));
    await receiver.waitUntil('the 404’s server span', () =>
      receiver.spans.some(
        (s) =>
          s.traceId === notFoundId && s.service === 'frontend' && s.attributes['http.response.status_code'] === 404,
      ),
    );

    await shop.product.stop();
    try {
      const down = await client.get('/');
      assert.equal(down.status, 503);
      const outageId = /<code data-trace-id="([0-9a-f]{32})">\1<\/code>/.exec(down.html)?.[1];
      assert.ok(outageId, 'the 503 page shows its trace id');
      await receiver.waitUntil('the 503’s server span and its failed call to product-service', () => {
        const spans = receiver.spansOfTrace(outageId);
        return (
          spans.some((s) => s.kind === SPAN_KIND.SERVER && s.attributes['http.response.status_code'] === 503) &&
          spans.some((s) => s.kind === SPAN_KIND.CLIENT)
        );
      });
    } finally {
      await shop.product.start();
    }
  });
});
