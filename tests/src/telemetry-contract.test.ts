/**
 * The telemetry contract: all four services export over OTLP/gRPC to a receiver in this
 * test, and what arrives is what the dashboards, alerts and labs rely on.
 * - one checkout through the web shop is one trace spanning frontend, order, user and
 *   product, with SQL spans under the backends (and no query reported twice);
 * - the checkout business span carries the business attributes;
 * - `http.server.request.duration` (seconds, with route and status) and the business
 *   metrics arrive from every service, each as the metric catalogue
 *   (services/telemetry/src/metric-catalogue.ts) declares it: instrument, unit, the services
 *   that record it, and only declared attributes with allowed values;
 * - logs arrive with the trace_id and span_id of the request that wrote them;
 * - no password, API key, cookie or Authorization value used in the test appears anywhere.
 * It holds under both bootstraps (services/telemetry/src/register.ts): ShopScope's, and the
 * stock zero-code setup (TELEMETRY_BOOTSTRAP=zero-code), where the business spans and
 * metrics reach the SDK through the global API alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  attributeProblem,
  catalogueEntries,
  type MetricDefinition,
} from '../../services/telemetry/dist/metric-catalogue.js';
import {
  addToCart,
  checkout,
  SHOPPER_PASSWORD,
  signedInShopper,
  type WebClient,
} from '../../tools/stack/frontend-client.ts';
import { call } from './harness/http.ts';
import { OtlpReceiver, type ReceivedSpan, SPAN_KIND } from './harness/otlp-receiver.ts';
import { type Shop, startShop } from './harness/shop.ts';

const SERVICES = ['frontend', 'order-service', 'user-service', 'product-service'] as const;
/** The business metrics, from the metric catalogue (services/telemetry/src/metric-catalogue.ts). */
const BUSINESS_METRICS: MetricDefinition[] = catalogueEntries().map(([, metric]) => metric);
/** The business metrics `service` records, as the catalogue says. */
const businessMetricsOf = (service: string) =>
  BUSINESS_METRICS.filter((m) => (m.services as readonly string[]).includes(service)).map((m) => m.name);
const isDbSpan = (s: ReceivedSpan) =>
  s.attributes['db.system.name'] !== undefined || s.attributes['db.system'] !== undefined;

/** Checkout-trace log lines: the services with something to say about a checkout at LOG_LEVEL=info. */
const CHECKOUT_LOGGERS = ['frontend', 'order-service', 'product-service'] as const;

for (const bootstrap of ['shopscope', 'zero-code'] as const) {
  describe(`telemetry contract, ${bootstrap} bootstrap`, () => {
    const receiver = new OtlpReceiver();
    let shop: Shop;
    let client: WebClient;
    let orderId: number;
    const secrets: string[] = [SHOPPER_PASSWORD];

    before(async () => {
      await receiver.start();
      shop = await startShop({ otlpEndpoint: receiver.endpoint, env: { TELEMETRY_BOOTSTRAP: bootstrap } });
      client = await signedInShopper(shop.frontend.url, 'tracy');
      await addToCart(client, 'laptop-pro', 1);
      await addToCart(client, 'webcam-hd', 2);
      orderId = await checkout(client);
      for (const cookie of client.cookies.values()) secrets.push(cookie.value);

      // The same shopper through the APIs, so API keys and Authorization headers are on the wire too.
      const login = await call(shop.user.url, 'POST', '/api/user/login', {
        body: { username: 'tracy', password: SHOPPER_PASSWORD },
      });
      assert.equal(login.status, 200);
      const apiKey: string = login.body.result?.api_key ?? login.body.api_key;
      secrets.push(apiKey, `Bearer ${apiKey}`);
      assert.equal((await call(shop.order.url, 'GET', '/api/orders', { apiKey })).status, 200);
      // A checkout failure (the cart is empty now), for shopscope.checkout.failures.
      assert.equal((await call(shop.order.url, 'POST', '/api/order/checkout', { apiKey })).status, 409);
    });

    after(async () => {
      await shop?.stop();
      await receiver.stop();
    });

    it('makes one checkout a single trace across the four services, with SQL spans under the backends', async () => {
      const isCheckoutRoot = (s: ReceivedSpan) =>
        s.service === 'frontend' && s.kind === SPAN_KIND.SERVER && s.attributes['http.route'] === '/checkout/process';
      await receiver.waitUntil('the frontend checkout span', () => receiver.spans.some(isCheckoutRoot));
      const root = receiver.spans.find(isCheckoutRoot)!;
      await receiver.waitUntil('spans of all four services in the checkout trace', () => {
        const services = new Set(receiver.spansOfTrace(root.traceId).map((s) => s.service));
        return SERVICES.every((name) => services.has(name));
      });
      // Give the last batches a moment, then look at the whole trace.
      await new Promise((r) => setTimeout(r, 1000));
      const trace = receiver.spansOfTrace(root.traceId);
      const byId = new Map(trace.map((s) => [s.spanId, s]));

      assert.equal(root.parentSpanId, '', 'the frontend span is the root');
      for (const span of trace) {
        if (span !== root)
          assert.ok(byId.has(span.parentSpanId), `${span.service} "${span.name}" has its parent in the trace`);
      }
      const serverRoutes = trace
        .filter((s) => s.kind === SPAN_KIND.SERVER)
        .map((s) => `${s.service} ${s.attributes['http.route']}`);
      for (const expected of [
        'order-service /api/order/checkout',
        'user-service /api/user',
        'product-service /api/products/reserve',
      ]) {
        assert.ok(serverRoutes.includes(expected), `${expected} in ${serverRoutes.join(', ')}`);
      }

      // SQL spans: under a server span of the same backend, and never twice for one query.
      const serverAncestor = (span: ReceivedSpan): ReceivedSpan | undefined => {
        for (let p = byId.get(span.parentSpanId); p; p = byId.get(p.parentSpanId))
          if (p.kind === SPAN_KIND.SERVER) return p;
        return undefined;
      };
      for (const service of ['order-service', 'user-service', 'product-service']) {
        const dbSpans = trace.filter((s) => s.service === service && isDbSpan(s));
        assert.ok(dbSpans.length > 0, `${service} has SQL spans in the checkout trace`);
        for (const span of dbSpans) {
          assert.equal(
            serverAncestor(span)?.service,
            service,
            `${service} SQL span "${span.name}" sits under its server span`,
          );
          const parent = byId.get(span.parentSpanId);
          assert.ok(!(parent && isDbSpan(parent)), `"${span.name}" is not a duplicate of its parent query span`);
        }
      }

      // The business span.
      const business = trace.find((s) => s.service === 'order-service' && s.name === 'checkout');
      assert.ok(business, 'order-service records a "checkout" business span');
      assert.equal(Number(business.attributes['order.id']), orderId);
      assert.equal(business.attributes['checkout.status'], 'placed');
      assert.equal(Number(business.attributes['order.item_count']), 3);
      assert.ok(Number(business.attributes['order.total_cents']) > 0);
      assert.ok(business.attributes['user.id'] !== undefined);

      // Which bootstrap made the trace: ShopScope's reports each query once through Sequelize
      // and keeps Express to naming the route; the stock bundle has no Sequelize
      // instrumentation (its queries are mysql2 spans) and adds a span per Express middleware.
      const scopes = new Set(trace.map((s) => s.scope));
      const expressSpans = trace.filter((s) => s.scope === '@opentelemetry/instrumentation-express').length;
      if (bootstrap === 'shopscope') {
        assert.ok(scopes.has('@opentelemetry/instrumentation-sequelize'), [...scopes].join(', '));
        assert.equal(expressSpans, 0, 'no Express span');
      } else {
        assert.ok(!scopes.has('@opentelemetry/instrumentation-sequelize'), [...scopes].join(', '));
        assert.ok(expressSpans > 0, 'Express middleware spans');
      }
      for (const span of trace)
        assert.equal(span.resource['service.namespace'], 'shopscope', `${span.service} namespace`);
      const byScope = new Map<string, number>();
      for (const span of trace) byScope.set(span.scope, (byScope.get(span.scope) ?? 0) + 1);
      process.stderr.write(
        `# ${bootstrap}: ${trace.length} spans in the checkout trace: ${[...byScope].map(([k, n]) => `${k} ${n}`).join(', ')}\n`,
      );
    });

    it('delivers the HTTP and business metrics from every service', async () => {
      // Every metric of the catalogue is recorded by one of these services.
      for (const metric of BUSINESS_METRICS) {
        assert.ok(
          metric.services.length > 0 && metric.services.every((s) => (SERVICES as readonly string[]).includes(s)),
          metric.name,
        );
      }
      await receiver.waitUntil('every expected metric', () =>
        SERVICES.every((service) =>
          ['http.server.request.duration', ...businessMetricsOf(service)].every((name) =>
            receiver.metricNames(service).has(name),
          ),
        ),
      );
      for (const service of SERVICES) {
        const duration = receiver.metrics.filter(
          (m) => m.service === service && m.name === 'http.server.request.duration',
        );
        assert.ok(
          duration.every((m) => m.unit === 's' && m.type === 'histogram'),
          `${service}: a histogram in seconds`,
        );
        const points = duration.flatMap((m) => m.points);
        assert.ok(
          points.some(
            (p) =>
              typeof p.attributes['http.route'] === 'string' &&
              typeof p.attributes['http.response.status_code'] === 'number',
          ),
          `${service}: points carry http.route and http.response.status_code`,
        );
      }
      const failures = receiver.metrics
        .filter((m) => m.name === 'shopscope.checkout.failures')
        .flatMap((m) => m.points);
      assert.ok(
        failures.some((p) => p.attributes.reason === 'empty_cart'),
        'checkout failures carry their reason',
      );
      const logins = receiver.metrics.filter((m) => m.name === 'shopscope.logins').flatMap((m) => m.points);
      assert.ok(
        logins.some((p) => p.attributes.outcome === 'success'),
        'logins carry their outcome',
      );
    });

    it('exports the business metrics as the metric catalogue declares them, attributes and values included', () => {
      const byName = new Map(BUSINESS_METRICS.map((m) => [m.name, m]));
      const exported = receiver.metrics.filter(
        (m) => m.scope === 'shopscope.business' || m.name.startsWith('shopscope.'),
      );
      assert.ok(exported.length > 0, 'business metrics were exported');
      const observed = new Set<string>();
      for (const received of exported) {
        const metric = byName.get(received.name);
        assert.ok(metric, `${received.service} exports ${received.name}, which the metric catalogue does not declare`);
        assert.equal(
          received.type,
          metric.instrument === 'histogram' ? 'histogram' : 'sum',
          `${metric.name} is a ${metric.instrument}`,
        );
        assert.equal(received.unit, metric.unit, `${metric.name}: unit`);
        assert.ok(
          (metric.services as readonly string[]).includes(received.service),
          `${metric.name} comes from ${received.service}; the catalogue says ${metric.services.join(', ')}`,
        );
        for (const point of received.points) {
          for (const [key, value] of Object.entries(point.attributes)) {
            assert.equal(attributeProblem(metric, key, value), undefined, `a data point from ${received.service}`);
            observed.add(`${metric.name} ${key}`);
          }
        }
      }
      // The traffic above records every declared attribute, so each had its values checked.
      for (const metric of BUSINESS_METRICS) {
        for (const key of Object.keys(metric.attributes)) {
          assert.ok(observed.has(`${metric.name} ${key}`), `no exported data point of ${metric.name} carries ${key}`);
        }
      }
    });

    it('correlates logs with the request that wrote them', async () => {
      const root = receiver.spans.find(
        (s) => s.service === 'frontend' && s.attributes['http.route'] === '/checkout/process',
      )!;
      // At LOG_LEVEL=info a successful request writes no line of its own (common/http/app.ts):
      // the lines of a checkout are its business events — the web shop's and order-service's
      // "order placed", product-service's reservation. user-service only authenticates in a
      // checkout; its line is the login's.
      await receiver.waitUntil('a checkout-trace log line from each service that speaks in a checkout', () =>
        CHECKOUT_LOGGERS.every((service) =>
          receiver.logs.some((l) => l.service === service && l.traceId === root.traceId),
        ),
      );
      const traceSpanIds = new Set(receiver.spansOfTrace(root.traceId).map((s) => s.spanId));
      for (const service of CHECKOUT_LOGGERS) {
        const records = receiver.logs.filter((l) => l.service === service && l.traceId === root.traceId);
        assert.ok(
          records.every((l) => traceSpanIds.has(l.spanId)),
          `${service}: every log record's span_id is a span of the checkout trace`,
        );
      }
      const login = receiver.logs.find((l) => l.service === 'user-service' && l.body === 'user logged in');
      assert.ok(login, "user-service's login line arrived");
      await receiver.waitUntil("the login line's trace", () => receiver.spansOfTrace(login.traceId).length > 0);
      assert.ok(
        receiver.spansOfTrace(login.traceId).some((s) => s.spanId === login.spanId),
        "user-service's login line carries the span id of a span of its trace",
      );
      // The same correlation on stdout, where `docker compose logs` shows it.
      const orderLine = shop.order.logs.find((l) => l.trace_id === root.traceId);
      assert.ok(orderLine && typeof orderLine.span_id === 'string', 'stdout JSON lines carry trace_id and span_id');
    });

    it('never lets a password, API key, cookie or Authorization value out', () => {
      assert.ok(receiver.rawRequests.length > 0);
      for (const secret of secrets) {
        assert.ok(secret.length >= 8);
        assert.equal(receiver.contains(secret), false, `a secret (${secret.slice(0, 4)}…) reached the collector`);
        for (const service of shop.services) {
          assert.ok(!service.lines.some((l) => l.includes(secret)), `${service.name} wrote a secret to stdout`);
        }
      }
    });
  });
}
