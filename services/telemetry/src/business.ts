import { type Attributes, metrics, type Span, SpanStatusCode, trace } from '@opentelemetry/api';

/**
 * Business telemetry: the one place where ShopScope's business metric names live, so
 * dashboards, alert rules and tests have a single source. Names follow OTel conventions;
 * in Prometheus dots become underscores and counters gain `_total`
 * (e.g. `shopscope.orders.placed` → `shopscope_orders_placed_total`).
 */
const meter = metrics.getMeter('shopscope.business');

export const businessMetrics = {
  /** order-service: orders that reached "placed". */
  ordersPlaced: meter.createCounter('shopscope.orders.placed', {
    description: 'Orders placed',
    unit: '{order}',
  }),
  /** order-service: value of each placed order, in euros. */
  orderValue: meter.createHistogram('shopscope.order.value', {
    description: 'Value of placed orders in euros',
    unit: '{EUR}',
    advice: { explicitBucketBoundaries: [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] },
  }),
  /** order-service: units added to carts. */
  cartItemsAdded: meter.createCounter('shopscope.cart.items.added', {
    description: 'Units added to carts',
    unit: '{item}',
  }),
  /** order-service: failed checkouts by `reason` (empty_cart, out_of_stock, user_invalid, dependency_unavailable, …). */
  checkoutFailures: meter.createCounter('shopscope.checkout.failures', {
    description: 'Checkouts that failed, by reason',
    unit: '{checkout}',
  }),
  /** user-service: accounts created. */
  registrations: meter.createCounter('shopscope.users.registered', {
    description: 'User accounts created',
    unit: '{user}',
  }),
  /** user-service: login attempts by `outcome` (success, failure). */
  logins: meter.createCounter('shopscope.logins', {
    description: 'Login attempts by outcome',
    unit: '{login}',
  }),
  /**
   * user-service and frontend: sign-in and API-key attempts refused with a 429 because too
   * many failed before them, by `limit` (login_account, login_address, api_key_address,
   * web_login_address). See services/common/src/http/throttle.ts.
   */
  authThrottled: meter.createCounter('shopscope.auth.throttled', {
    description: 'Sign-in and API-key attempts refused (429) after too many failures, by limit',
    unit: '{attempt}',
  }),
  /** product-service: stock reservation requests by `outcome` (reserved, insufficient_stock, replayed, confirmed, released, expired). */
  stockReservations: meter.createCounter('shopscope.stock.reservations', {
    description: 'Stock reservation requests by outcome',
    unit: '{reservation}',
  }),
  /** frontend: pages rendered by `page` (route template) and `status`. */
  pageViews: meter.createCounter('shopscope.page.views', {
    description: 'Pages rendered by the web shop',
    unit: '{view}',
  }),
};

export const tracer = trace.getTracer('shopscope');

/**
 * Runs `fn` inside a new active span; records an exception and error status if it throws.
 * Business attributes set on the span become searchable tags in Jaeger.
 */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err instanceof Error ? err : new Error(String(err)));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Sets attributes on the current span (the HTTP server span or a business span), if any. */
export function annotateActiveSpan(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}
