import { onCLS, onINP, onLCP } from 'web-vitals';

/**
 * Core Web Vitals of this page view as OTLP histograms with the page's route template
 * (`page.route` = `/product/:slug`, as rendered by the server; never the URL itself):
 *   browser.web_vital.lcp (s)  Largest Contentful Paint  → browser_web_vital_lcp_seconds_*
 *   browser.web_vital.inp (s)  Interaction to Next Paint → browser_web_vital_inp_seconds_*
 *   browser.web_vital.cls      Cumulative Layout Shift   → browser_web_vital_cls_*
 * and the page load itself (navigation start → end of the load event), whose count is the
 * page loads per route: browser.page.load.duration (s) → browser_page_load_duration_seconds_*.
 *
 * web-vitals reports each value as it changes; the last one of each is sent once, when
 * the page is hidden (navigation, tab switch or close), the moment they are final.
 *
 * One page view holds one value per histogram, so the export request is written here
 * (OTLP/JSON, cumulative since the page started) rather than by the metrics SDK, which
 * would add 43 KiB to a 30 KiB bundle for four data points. Each page view is its own short
 * series (a random service.instance.id): pages sharing one cumulative series would make its
 * counts go up and down; Prometheus stores a 0 at each series' start (created-timestamp-
 * zero-ingestion), so increase() counts every page, and marks the series stale 5 min later.
 */

interface HistogramSpec {
  name: string;
  unit: string;
  description: string;
  bounds: number[];
}

const SECONDS = [0.05, 0.1, 0.2, 0.5, 1, 2.5, 4, 10];

export const HISTOGRAMS = {
  LCP: {
    name: 'browser.web_vital.lcp',
    unit: 's',
    description: 'Largest Contentful Paint: when the main content of the page was painted',
    bounds: SECONDS,
  },
  INP: {
    name: 'browser.web_vital.inp',
    unit: 's',
    description: "Interaction to Next Paint: the page's slowest answer to a click, tap or key",
    bounds: SECONDS,
  },
  CLS: {
    name: 'browser.web_vital.cls',
    // A score without unit; braces keep Prometheus from adding a unit suffix.
    unit: '{score}',
    description: 'Cumulative Layout Shift: how much the content moved while the page was shown',
    bounds: [0.01, 0.05, 0.1, 0.25, 0.5, 1],
  },
  LOAD: {
    name: 'browser.page.load.duration',
    unit: 's',
    description: 'Page loads: from the navigation to the end of the load event',
    bounds: SECONDS,
  },
} satisfies Record<string, HistogramSpec>;

type Measure = keyof typeof HISTOGRAMS;

/** OTLP AggregationTemporality CUMULATIVE. */
const CUMULATIVE = 2;

const nanos = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();

const stringAttributes = (attributes: Record<string, string>) =>
  Object.entries(attributes).map(([key, value]) => ({ key, value: { stringValue: value } }));

/** An ExportMetricsServiceRequest (OTLP/JSON) of one value per histogram. */
export function metricsRequest(
  resource: Record<string, string>,
  values: Partial<Record<Measure, number>>,
  attributes: Record<string, string>,
  startMs: number,
  endMs: number,
): object {
  const metrics = (Object.keys(values) as Measure[]).map((measure) => {
    const spec = HISTOGRAMS[measure];
    const value = values[measure] as number;
    // Bucket i holds values in (bounds[i-1], bounds[i]]; the last one everything above.
    const bucket = spec.bounds.findIndex((bound) => value <= bound);
    const bucketCounts = [...spec.bounds, Infinity].map((_, i) =>
      i === (bucket === -1 ? spec.bounds.length : bucket) ? '1' : '0',
    );
    return {
      name: spec.name,
      unit: spec.unit,
      description: spec.description,
      histogram: {
        aggregationTemporality: CUMULATIVE,
        dataPoints: [
          {
            attributes: stringAttributes(attributes),
            startTimeUnixNano: nanos(startMs),
            timeUnixNano: nanos(endMs),
            count: '1',
            sum: value,
            min: value,
            max: value,
            bucketCounts,
            explicitBounds: spec.bounds,
          },
        ],
      },
    };
  });
  return {
    resourceMetrics: [
      {
        resource: { attributes: stringAttributes(resource) },
        scopeMetrics: [{ scope: { name: resource['service.name'] }, metrics }],
      },
    ],
  };
}

export interface PageVitals {
  /** The request to send when the page is hidden (once per page view; then undefined). */
  takeFinal(): Uint8Array | undefined;
}

export function watchVitals(resource: Record<string, string>, route: string): PageVitals {
  const values: Partial<Record<Measure, number>> = {};
  const options = { reportAllChanges: true };
  onLCP((metric) => (values.LCP = metric.value / 1000), options);
  onINP((metric) => (values.INP = metric.value / 1000), options);
  onCLS((metric) => (values.CLS = metric.value), options);

  // The end of the load event is known one task after it.
  const measureLoad = () =>
    setTimeout(() => {
      const [navigation] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
      if (navigation && navigation.loadEventEnd > 0) values.LOAD = navigation.loadEventEnd / 1000;
    });
  if (document.readyState === 'complete') measureLoad();
  else window.addEventListener('load', measureLoad, { once: true });

  let sent = false;
  return {
    takeFinal() {
      if (sent || Object.keys(values).length === 0) return undefined;
      sent = true;
      const start = performance.timeOrigin;
      const request = metricsRequest(resource, values, { 'page.route': route }, start, start + performance.now());
      return new TextEncoder().encode(JSON.stringify(request));
    },
  };
}
