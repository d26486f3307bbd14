/**
 * The three resource-fault scripts run for real against the native stack (native-stack.ts:
 * the real services, collector, Prometheus and Alertmanager on loopback), as a learner runs
 * them: scripts/inject-memory-leak.sh → HeapNearLimit, scripts/inject-cpu-burn.sh →
 * CPUSaturation, scripts/block-event-loop.sh → EventLoopLagHigh. Each must see its alert
 * fire and resolve, Prometheus must agree (failure-script.ts), and the service's fault API
 * must be clear afterwards. Before that, the metrics the alerts read must reach Prometheus
 * from every service, with labels that let the heap be divided by its own limit.
 *
 * The three run side by side, each on its own service, to bound the time (about 4 minutes
 * once the stack is up): each alert reads one process's own runtime metrics, so they do not
 * interfere, although CPU burn on a 2-core machine slows everything a little.
 *
 *   npm run build && node --test tests/stack/resource-faults.test.ts   # Node 24
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call } from '../src/harness/http.ts';
import { ADMIN_TOKEN, NativeStack, SERVICE_NAMES, type ServiceName, until } from '../../tools/stack/native-stack.ts';
import { PrometheusApi } from '../../tools/stack/stack-api.ts';
import { type FailureScenario, runFailureScript } from './failure-script.ts';
import { stackEnv } from './scripts-runner.ts';

const started = Date.now();
function note(message: string): void {
  process.stderr.write(`# [resource-faults +${((Date.now() - started) / 1000).toFixed(1)} s] ${message}\n`);
}

let stack: NativeStack;
let prom: PrometheusApi;

const SCENARIOS: (FailureScenario & { service: ServiceName })[] = [
  {
    script: 'inject-memory-leak.sh',
    args: ['--service', 'order-service'],
    alert: 'HeapNearLimit',
    service: 'order-service',
    timeoutMs: 720_000,
  },
  {
    script: 'inject-cpu-burn.sh',
    args: ['--service', 'product-service'],
    alert: 'CPUSaturation',
    service: 'product-service',
    timeoutMs: 720_000,
  },
  {
    script: 'block-event-loop.sh',
    args: ['--service', 'user-service'],
    alert: 'EventLoopLagHigh',
    service: 'user-service',
    timeoutMs: 720_000,
  },
];
const ALERTS = SCENARIOS.map((s) => s.alert);

/** One number per service_name (the query must aggregate by it). */
async function perService(expr: string): Promise<Map<string, number>> {
  const samples = await prom.samples(expr);
  return new Map(samples.map((s) => [s.metric.service_name ?? '', Number(s.value?.[1])]));
}

before(
  async () => {
    stack = await NativeStack.start(note);
    prom = new PrometheusApi(stack.prometheusUrl);
  },
  { timeout: 300_000 },
);

after(async () => {
  await stack?.stop();
});

describe('the resource faults, from the fault API to their alerts', { concurrency: true }, () => {
  before(
    async () => {
      // Start from a quiet stack whose runtime metrics have arrived: every service probed
      // up, the numbers the three alerts divide present for each, none of the alerts active.
      await until(
        "every service up and exporting its process's heap, heap limit, CPU and event loop; none of the alerts active",
        async () => {
          const up = await perService('max by (service_name) (httpcheck_status{http_status_class="2xx"}) == 1');
          const heapShare = await perService(
            'max by (service_name) (sum without (v8js_heap_space_name) (v8js_memory_heap_used_bytes) / v8js_memory_heap_size_limit_bytes)',
          );
          const cpu = await perService('sum by (service_name) (process_cpu_time_seconds_total)');
          const elu = await perService('max by (service_name) (nodejs_eventloop_utilization_ratio)');
          const active = (await prom.alerts()).filter((a) => ALERTS.includes(a.labels.alertname ?? ''));
          const ready = SERVICE_NAMES.every(
            (s) => up.has(s) && (heapShare.get(s) ?? 0) > 0 && (heapShare.get(s) ?? 1) < 1 && cpu.has(s) && elu.has(s),
          );
          return ready && active.length === 0;
        },
        { timeoutMs: 120_000, intervalMs: 2_000, fatal: () => stack.problem() },
      );
    },
    { timeout: 150_000 },
  );

  for (const scenario of SCENARIOS) {
    test(`${scenario.script} (${scenario.service}): ${scenario.alert} fires and resolves`, {
      timeout: 780_000,
    }, async (t) => {
      const run = await runFailureScript(scenario, { env: stackEnv(stack, { POLL_INTERVAL: '2' }), prom, note });
      const figure = `${run.label}: ${scenario.alert} fired after ${run.firedAfterSeconds} s, resolved ${run.resolvedAfterSeconds} s after the restore`;
      note(figure);
      t.diagnostic(figure);
      // Restored: the fault API answers the plain reset, every resource fault off.
      const faults = await call(stack.service(scenario.service).url, 'GET', '/admin/faults', {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      assert.equal(faults.status, 200);
      assert.deepEqual(faults.body.result, { latency_ms: 0, jitter_ms: 0, error_rate: 0 });
    });
  }
});
