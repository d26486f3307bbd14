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
  SHOPPER_PASSWORD,
  signedInShopper,
  type WebClient,
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
