/**
 * The metric catalogue: every business metric of ShopScope, declared once, as plain data.
 *
 * `business.ts` creates the instruments from it (`businessMetrics.<key>`), and everything
 * that has to agree with the code reads it instead of searching the source:
 * - tests/stack/grafana.test.ts: every metric is on a Business dashboard panel, and every
 *   `shopscope_*` name a dashboard or a rule in prometheus/rules uses is declared here;
 * - tests/src/telemetry-contract.test.ts: every metric arrives over OTLP from the services
 *   listed here, and every attribute it carries is declared with an allowed value;
 * - tests/stack/fullstack.test.ts: every metric reaches Prometheus under its derived name.
 *
 * Keys are the property names of `businessMetrics`; entries are in the order the shop's
 * story goes (order-service, user-service and the throttles, product-service, frontend).
 * Only plain data here: the tests load the built file (dist/metric-catalogue.js) without
 * the OpenTelemetry SDK.
 */

/** The services, by `service.name`, that record business metrics. */
export type RecordingService = 'frontend' | 'user-service' | 'product-service' | 'order-service';

/**
 * An attribute a metric is recorded with. Either a closed set (`values`: the only values it
 * ever takes; anything else is a bug) or an open one (`open`: any value of that type, such
 * as a route template or an HTTP status; `examples` only illustrate).
 */
export type MetricAttribute =
  | { readonly description: string; readonly values: readonly string[] }
  | { readonly description: string; readonly open: 'string' | 'int'; readonly examples: readonly (string | number)[] };

interface MetricBase {
  /** The OpenTelemetry name (`shopscope.<noun>.<verb>`); Prometheus's is derived, see prometheusNames. */
  readonly name: string;
  /**
   * UCUM annotation in braces (`{order}`): the OTLP → Prometheus translation adds no unit
   * suffix for these. A real unit (`s`, `By`) would add one (`_seconds`, `_bytes`), which
   * prometheusNames does not derive: teach it first.
   */
  readonly unit: `{${string}}`;
  readonly description: string;
  /** Which services record it (OTel `service.name`). */
  readonly services: readonly RecordingService[];
  /** Its attributes by key; `{}` when it has none. */
  readonly attributes: { readonly [key: string]: MetricAttribute };
}

export interface CounterDefinition extends MetricBase {
  readonly instrument: 'counter';
}

export interface HistogramDefinition extends MetricBase {
  readonly instrument: 'histogram';
  /** Explicit bucket boundaries (upper bounds, ascending), given to the SDK as advice. */
  readonly buckets: readonly number[];
}

export type MetricDefinition = CounterDefinition | HistogramDefinition;

export const METRIC_CATALOGUE = {
  /** order-service: orders that reached "placed". */
  ordersPlaced: {
    name: 'shopscope.orders.placed',
    instrument: 'counter',
    unit: '{order}',
    description: 'Orders placed',
    services: ['order-service'],
    attributes: {},
  },
  /** order-service: value of each placed order, in euros. */
  orderValue: {
    name: 'shopscope.order.value',
    instrument: 'histogram',
    unit: '{EUR}',
    description: 'Value of placed orders in euros',
    services: ['order-service'],
    attributes: {},
    buckets: [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
  },
  /** order-service: units added to carts. */
  cartItemsAdded: {
    name: 'shopscope.cart.items.added',
    instrument: 'counter',
    unit: '{item}',
    description: 'Units added to carts',
    services: ['order-service'],
    attributes: {},
  },
  /** order-service: failed checkouts by `reason`. */
  checkoutFailures: {
    name: 'shopscope.checkout.failures',
    instrument: 'counter',
    unit: '{checkout}',
    description: 'Checkouts that failed, by reason',
    services: ['order-service'],
    attributes: {
      reason: {
        description:
          "Why (order-service's failureReason): the checkout's own 409s by their reason, user-service refusing " +
          'the API key user_invalid, a 503 by its cause (dependency_unavailable: user- or product-service; ' +
          "database_unavailable or lock_conflict: order-service's database), anything else internal",
        values: [
          'empty_cart',
          'already_in_progress',
          'out_of_stock',
          'order_total_limit',
          'user_invalid',
          'dependency_unavailable',
          'database_unavailable',
          'lock_conflict',
          'internal',
        ],
      },
    },
  },
  /** user-service: accounts created. */
  registrations: {
    name: 'shopscope.users.registered',
    instrument: 'counter',
    unit: '{user}',
    description: 'User accounts created',
    services: ['user-service'],
    attributes: {},
  },
  /** user-service: login attempts by `outcome`. */
  logins: {
    name: 'shopscope.logins',
    instrument: 'counter',
    unit: '{login}',
    description: 'Login attempts by outcome',
    services: ['user-service'],
    attributes: {
      outcome: { description: 'Whether the password matched', values: ['success', 'failure'] },
    },
  },
  /**
   * user-service and frontend: sign-in and API-key attempts refused with a 429 because too
   * many failed before them, by `limit`. See services/common/src/http/throttle.ts.
   */
  authThrottled: {
    name: 'shopscope.auth.throttled',
    instrument: 'counter',
    unit: '{attempt}',
    description: 'Sign-in and API-key attempts refused (429) after too many failures, by limit',
    // Each limit's series exists at 0 from start-up (services/common/src/http/throttle.ts).
    services: ['user-service', 'frontend'],
    attributes: {
      limit: {
        description:
          'The throttle that refused: login_account, login_address and api_key_address in user-service ' +
          '(services/user/src/throttles.ts), web_login_address in the frontend (its login form)',
        values: ['login_account', 'login_address', 'api_key_address', 'web_login_address'],
      },
    },
  },
  /** product-service: stock reservation requests by `outcome`. */
  stockReservations: {
    name: 'shopscope.stock.reservations',
    instrument: 'counter',
    unit: '{reservation}',
    description: 'Stock reservation requests by outcome',
    services: ['product-service'],
    attributes: {
      outcome: {
        description:
          'reserved (stock taken), insufficient_stock (refused), replayed (the same request again), ' +
          'confirmed (the order was placed), released (given back), expired (never confirmed, swept)',
        values: ['reserved', 'insufficient_stock', 'replayed', 'confirmed', 'released', 'expired'],
      },
    },
  },
  /** frontend: pages rendered by `page` (route template) and `status`. */
  pageViews: {
    name: 'shopscope.page.views',
    instrument: 'counter',
    unit: '{view}',
    description: 'Pages rendered by the web shop',
    services: ['frontend'],
    attributes: {
      page: {
        description: "The Express route template of the page, or 'unmatched' (never a raw path)",
        open: 'string',
        examples: ['/', '/product/:slug', '/checkout', '/order/thank-you', 'unmatched'],
      },
      status: { description: 'The HTTP status the page was sent with', open: 'int', examples: [200, 404] },
    },
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricKey = keyof typeof METRIC_CATALOGUE;

/** The names Prometheus stores a metric under, from its OTLP receiver (prometheus.yml: UnderscoreEscapingWithSuffixes). */
export interface PrometheusNames {
  /** The metric family: dots → underscores, and `_total` for a counter (`shopscope_orders_placed_total`, `shopscope_order_value`). */
  readonly family: string;
  /** Every series name a query can use: the counter's `_total`; the histogram's `_bucket`, `_sum` and `_count`. */
  readonly series: readonly string[];
}

export function prometheusNames(metric: MetricDefinition): PrometheusNames {
  const base = metric.name.replaceAll('.', '_');
  if (metric.instrument === 'counter') return { family: `${base}_total`, series: [`${base}_total`] };
  return { family: base, series: [`${base}_bucket`, `${base}_sum`, `${base}_count`] };
}

/** The catalogue as a list, in declaration order. */
export function catalogueEntries(): [MetricKey, MetricDefinition][] {
  return Object.entries(METRIC_CATALOGUE) as [MetricKey, MetricDefinition][];
}

/**
 * Why an attribute a data point carries is not what the catalogue declares, or undefined
 * when it is (a closed value in its list, an open value of its type).
 */
export function attributeProblem(metric: MetricDefinition, key: string, value: unknown): string | undefined {
  const declared = metric.attributes[key];
  if (!declared) return `${metric.name}: attribute ${JSON.stringify(key)} is not in the catalogue`;
  if ('values' in declared) {
    return typeof value === 'string' && declared.values.includes(value)
      ? undefined
      : `${metric.name}: ${key}=${JSON.stringify(value)} is not one of ${declared.values.join(', ')}`;
  }
  const ok = declared.open === 'int' ? Number.isInteger(value) : typeof value === 'string' && value !== '';
  return ok
    ? undefined
    : `${metric.name}: ${key}=${JSON.stringify(value)} is not ${declared.open === 'int' ? 'an integer' : 'a string'}`;
}
