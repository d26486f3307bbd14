/**
 * Telemetry must never hurt the shop. With the collector gone (nothing listening on the
 * OTLP endpoint) the shop keeps serving, requests get no slower beyond a small bound,
 * memory stays bounded, the loss is counted by the SDK, and export resumes by itself
 * when the collector comes back.
 *
 * Latency is compared within this run (collector up vs. down, same processes), never
 * against a fixed number of milliseconds, so a slow machine does not make it flaky.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runLoad, percentile, rssMiB } from './harness/load.ts';
import { OtlpReceiver } from './harness/otlp-receiver.ts';
import { freePort } from './harness/ports.ts';
import { type Shop, startShop } from './harness/shop.ts';

const REQUESTS = 1500;
const CONCURRENCY = 8;

describe('telemetry outage', () => {
  let shop: Shop;
  let receiver: OtlpReceiver;
  let otlpPort: number;

  before(async () => {
    otlpPort = await freePort();
    receiver = await new OtlpReceiver().start(otlpPort);
    shop = await startShop({ otlpEndpoint: `http://127.0.0.1:${otlpPort}` });
  });

  after(async () => {
    await shop?.stop();
    await receiver?.stop();
  });

  // The DB-backed API and the catalogue page, which fans out to product-service.
  const hit = () =>
    Math.random() < 0.5 ? fetch(`${shop.product.url}/api/products?limit=10`) : fetch(`${shop.frontend.url}/`);

  it('serves normally, with bounded added latency and memory, while nothing listens on the OTLP endpoint', async () => {
    // Warm up (JIT, connection pools) with the collector up, then measure the baseline.
    await runLoad(hit, { total: 300, concurrency: CONCURRENCY });
    const up = await runLoad(hit, { total: REQUESTS, concurrency: CONCURRENCY });
    assert.equal(up.errors, 0);
    assert.deepEqual([...up.statuses.keys()], [200]);

    await receiver.stop();
    const rss = () => Promise.all(shop.services.map((s) => rssMiB(s.pid!)));
    const rss0 = await rss();
    const down = await runLoad(hit, { total: REQUESTS * 2, concurrency: CONCURRENCY });
    const rss1 = await rss();
    // The same traffic again: with bounded queues memory levels off instead of growing with traffic.
    const downAgain = await runLoad(hit, { total: REQUESTS * 2, concurrency: CONCURRENCY });
    const rss2 = await rss();

    for (const result of [down, downAgain]) {
      assert.equal(result.errors, 0, 'no request failed');
      assert.deepEqual([...result.statuses.keys()], [200], 'every request answered 200');
    }
    const p50Up = percentile(up.latenciesMs, 50);
    const p95Up = percentile(up.latenciesMs, 95);
    const p50Down = percentile(down.latenciesMs, 50);
    const p95Down = percentile(down.latenciesMs, 95);
    const firstGrowth = rss1.map((v, i) => v - rss0[i]!);
    const secondGrowth = rss2.map((v, i) => v - rss1[i]!);
    console.log(
      `collector up: p50 ${p50Up.toFixed(2)} ms p95 ${p95Up.toFixed(2)} ms | down: p50 ${p50Down.toFixed(2)} ms ` +
        `p95 ${p95Down.toFixed(2)} ms | RSS growth (MiB) per ${REQUESTS * 2} requests while down, first/second: ` +
        shop.services
          .map((s, i) => `${s.name} ${firstGrowth[i]!.toFixed(1)}/${secondGrowth[i]!.toFixed(1)}`)
          .join(', '),
    );
    // Added latency: the median may not grow by more than 25% + 2 ms, p95 by more than 50% + 5 ms.
    assert.ok(p50Down <= p50Up * 1.25 + 2, `p50 with the collector down (${p50Down}) vs up (${p50Up})`);
    assert.ok(p95Down <= p95Up * 1.5 + 5, `p95 with the collector down (${p95Down}) vs up (${p95Up})`);
    // Memory: export queues are bounded (4096 spans / log records per service), so the second
    // window of identical traffic may add only GC noise, and neither window much at all.
    for (const [i, service] of shop.services.entries()) {
      assert.ok(firstGrowth[i]! < 64, `${service.name} grew ${firstGrowth[i]!.toFixed(1)} MiB in the first window`);
      assert.ok(secondGrowth[i]! < 24, `${service.name} kept growing: ${secondGrowth[i]!.toFixed(1)} MiB`);
    }
    for (const service of shop.services) assert.equal(service.exitCode, null, `${service.name} still running`);
  });

  it('resumes exporting when the collector is back, and reports what it lost', async () => {
    receiver = await new OtlpReceiver().start(otlpPort);
    // Keep a trickle of traffic: the exporters reconnect with backoff, and only spans
    // created after the reconnection can arrive (the ones from the outage were dropped).
    const recovered = () =>
      receiver.metrics.some(
        (m) =>
          m.name === 'otel.sdk.processor.span.processed' &&
          m.service === 'product-service' &&
          m.points.some((p) => p.attributes['error.type'] !== undefined && (p.value ?? 0) > 0),
      ) && receiver.spans.some((s) => s.service === 'product-service');
    const deadline = Date.now() + 90_000;
    while (!recovered() && Date.now() < deadline) {
      await runLoad(hit, { total: 10, concurrency: 2 });
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(
      receiver.spans.some((s) => s.service === 'product-service'),
      'spans flow again',
    );
    // Cumulative SDK self-metrics: spans that could not be exported are counted with error.type.
    assert.ok(recovered(), 'the loss during the outage is reported by otel.sdk.processor.span.processed');
  });
});
