/**
 * The browser telemetry's pure parts (services/browser/src), run in Node: what leaves the
 * browser (URLs without query, click names without ids), the Web Vitals export request, and
 * the exporter's rule for an unreachable collector (one attempt, then a pause for the tab).
 * The whole script in Chromium: tests/src/browser-telemetry.test.ts.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { pathTemplate } from '../src/clicks.ts';
import { OtlpSender, PAUSE_AFTER_FAILURE_MS } from '../src/otlp.ts';
import { withoutQuery } from '../src/scrub.ts';
import { HISTOGRAMS, metricsRequest } from '../src/vitals.ts';

describe('what leaves the browser', () => {
  test('URLs keep scheme, host and path only', () => {
    assert.equal(withoutQuery('http://shop:8080/login?next=%2Fcheckout#main'), 'http://shop:8080/login');
    assert.equal(withoutQuery('/order/thank-you?id=7&trace=abc'), '/order/thank-you');
    assert.equal(withoutQuery('/static/css/shop.css'), '/static/css/shop.css');
    assert.equal(withoutQuery('/#top'), '/');
  });

  test('click names hold no ids', () => {
    assert.equal(pathTemplate('/orders/42'), '/orders/:id');
    assert.equal(pathTemplate('/checkout/remove/7'), '/checkout/remove/:id');
    assert.equal(pathTemplate('/product/laptop-pro'), '/product/laptop-pro');
    assert.equal(pathTemplate('/'), '/');
  });
});

describe('the Web Vitals export request', () => {
  test('one cumulative histogram point per value, in the bucket the value falls in, with the route', () => {
    const request = metricsRequest(
      { 'service.name': 'shopscope-browser' },
      { LCP: 1.2, CLS: 0, INP: 99 },
      { 'page.route': '/product/:slug' },
      1_700_000_000_000,
      1_700_000_002_500.5,
    ) as any;
    const metrics = request.resourceMetrics[0].scopeMetrics[0].metrics;
    assert.deepEqual(
      metrics.map((m: any) => m.name),
      ['browser.web_vital.lcp', 'browser.web_vital.cls', 'browser.web_vital.inp'],
    );
    const [lcp, cls, inp] = metrics.map((m: any) => m.histogram);
    for (const histogram of [lcp, cls, inp]) {
      assert.equal(histogram.aggregationTemporality, 2);
      const [point] = histogram.dataPoints;
      assert.deepEqual(point.attributes, [{ key: 'page.route', value: { stringValue: '/product/:slug' } }]);
      assert.equal(point.count, '1');
      assert.equal(point.bucketCounts.length, point.explicitBounds.length + 1);
      assert.equal(point.bucketCounts.filter((c: string) => c === '1').length, 1);
      assert.equal(point.startTimeUnixNano, '1700000000000000000');
      assert.equal(point.timeUnixNano, '1700000002500500000');
    }
    // 1.2 s: (1, 2.5]; 0: the first bucket (≤ 0.01); 99 s: above every bound, the last.
    assert.equal(lcp.dataPoints[0].bucketCounts.indexOf('1'), HISTOGRAMS.LCP.bounds.indexOf(2.5));
    assert.equal(cls.dataPoints[0].bucketCounts.indexOf('1'), 0);
    assert.equal(inp.dataPoints[0].bucketCounts.indexOf('1'), HISTOGRAMS.INP.bounds.length);
    assert.equal(lcp.dataPoints[0].sum, 1.2);
  });
});

describe('an unreachable collector', () => {
  const storage = new Map<string, string>();
  beforeEach(() => {
    storage.clear();
    (globalThis as any).sessionStorage = {
      getItem: (key: string) => storage.get(key) ?? null,
      setItem: (key: string, value: string) => storage.set(key, value),
    };
  });

  const body = new Uint8Array([123, 125]);

  test('one attempt, no retry; then nothing is sent for a minute, by this page or the next', async () => {
    const calls: string[] = [];
    const refusing = (async (url: string) => {
      calls.push(url);
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch;
    const sender = new OtlpSender('http://collector:4318/', refusing);
    assert.equal((await sender.send('/v1/traces', body)).code, 1);
    assert.deepEqual(calls, ['http://collector:4318/v1/traces']);
    assert.equal((await sender.send('/v1/metrics', body)).code, 1);
    const nextPage = new OtlpSender('http://collector:4318', refusing);
    assert.equal((await nextPage.send('/v1/traces', body)).code, 1);
    assert.equal(calls.length, 1, 'paused');
    const until = Number(storage.get('shopscope.telemetry.pausedUntil'));
    assert.ok(until > Date.now() + PAUSE_AFTER_FAILURE_MS - 5000 && until <= Date.now() + PAUSE_AFTER_FAILURE_MS);
  });

  test('an error answer pauses too; a success does not', async () => {
    const statuses = [200, 503];
    const calls: RequestInit[] = [];
    const answering = (async (_url: string, init: RequestInit) => {
      calls.push(init);
      return new Response('{}', { status: statuses.shift() });
    }) as unknown as typeof fetch;
    const sender = new OtlpSender('http://collector:4318', answering);
    assert.equal((await sender.send('/v1/traces', body)).code, 0);
    assert.equal((await sender.send('/v1/traces', body)).code, 1);
    assert.equal((await sender.send('/v1/traces', body)).code, 1);
    assert.equal(calls.length, 2);
    assert.equal(calls[0]!.keepalive, true, 'small bodies outlive the page');
    assert.equal(calls[0]!.credentials, 'omit', 'no cookie to the collector');
  });
});
