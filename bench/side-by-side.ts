/**
 * The budgets' comparisons measured side by side (issue 15): two configurations of the
 * whole shop at the same moment, each in a set of four services of its own.
 *
 * This machine's speed drifts by a fifth and more from one minute to the next. Rounds of
 * the configurations measured one after another (the overhead rounds, bench/run.ts) moved
 * the ratios to off by more than their budgets' margins between two runs of the same code
 * (API 1.22 and 1.43, journey 1.32 and 1.80). Here each pair runs side by side in two
 * fresh sets of four services — both on the stack's database and collector, on ports of
 * their own, each frontend linked to its own APIs — and every workload is offered to both
 * at once at the overhead's fixed rate (the journey once more, busier), their CPU read over
 * the same windows. Both feel the same drift, so their ratio holds. Each round starts the
 * sets afresh with the sides swapped (which starts first, and is loaded first), so that
 * what the position costs falls on both configurations alike. The pairs are ShopScope
 * beside off, beside zero-code, and beside ShopScope (how closely two identical sets agree:
 * the precision of the other two); and "spans only" beside off, ShopScope's bootstrap with
 * the least telemetry the design allows (every request traced with its SQL, nothing else):
 * the floor no choice of what ShopScope records can go below; and ShopScope with zero-code's
 * 5 s batch delay beside ShopScope, what sending telemetry every second (for the trace
 * freshness budget) costs.
 *
 * Each set signs in its own half of the shoppers, so that no two journeys ever share a
 * cart. What this cannot show: each set runs beside the other's load, so its p99 is that
 * of a machine twice as busy as in the overhead rounds (the same for both sides).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { ShopUrls } from '../tools/stack/journeys.ts';
import { httpUrl } from '../tools/stack/layout.ts';
import type { NativeStack } from '../tools/stack/native-stack.ts';
import { freePorts } from '../tools/stack/ports.ts';
import { SERVICE_DIRS, SERVICE_NAMES, ShopService, startServices } from '../tools/stack/services.ts';
import { type LoadContext, type LoadResult, runLoad, WORKLOADS } from './load.ts';
import { BATCH_FLUSH_MS } from './loss.ts';
import { cpuSeconds } from './proc.ts';
import { configEnv, failures, type Plan, type SideBySideConfig, type SideBySidePair } from './results.ts';

/** The variables that link one service to the others: pointed at the set's own. */
const LINKS = { USER_SERVICE_URL: 'user', PRODUCT_SERVICE_URL: 'product', ORDER_SERVICE_URL: 'order' } as const;

/** Four services of one telemetry configuration beside the stack's, linked to each other. */
class ServiceSet {
  private readonly services: ShopService[];

  private constructor(services: ShopService[]) {
    this.services = services;
  }

  /** Starts the set (the stack's environment, its own ports and links, `config`); stops what it started on failure. */
  static async start(stack: NativeStack, config: SideBySideConfig): Promise<ServiceSet> {
    const ports = await freePorts(['frontend', 'user', 'product', 'order'] as const);
    const services = SERVICE_NAMES.map((name) => {
      const env = { ...stack.service(name).env, ...configEnv(config) };
      for (const [variable, dir] of Object.entries(LINKS)) if (variable in env) env[variable] = httpUrl(ports[dir]);
      return new ShopService(name, ports[SERVICE_DIRS[name]], env);
    });
    const set = new ServiceSet(services);
    try {
      await startServices(services);
    } catch (error) {
      await set.stop();
      throw error;
    }
    return set;
  }

  get urls(): ShopUrls {
    const url = (dir: string) => this.services.find((s) => SERVICE_DIRS[s.service] === dir)?.url ?? '';
    return { frontend: url('frontend'), user: url('user'), product: url('product'), order: url('order') };
  }

  /** CPU seconds the four services have used so far. */
  cpuSeconds(): number {
    return this.services.reduce((sum, s) => sum + (cpuSeconds(s.pid ?? -1) ?? Number.NaN), 0);
  }

  stop(): Promise<unknown> {
    return Promise.all(this.services.map((s) => s.stop('SIGTERM')));
  }
}

/** The shoppers of `context` split in two files, one per side: a journey in flight has a shopper to itself. */
function splitShoppers(context: LoadContext): [LoadContext, LoadContext] {
  const shoppers = JSON.parse(readFileSync(context.shoppersFile, 'utf8')) as unknown[];
  const half = Math.floor(shoppers.length / 2);
  return ([shoppers.slice(0, half), shoppers.slice(half, 2 * half)] as const).map((own, side) => {
    const file = context.shoppersFile.replace(/\.json$/, `-side${side + 1}.json`);
    writeFileSync(file, JSON.stringify(own));
    return { ...context, shoppersFile: file, shoppers: own.length };
  }) as [LoadContext, LoadContext];
}

export async function measureSideBySide(
  stack: NativeStack,
  plan: Plan,
  context: LoadContext,
  log: (message: string) => void,
): Promise<SideBySidePair[]> {
  const { pairs, warmPassS, warmupS, measureS, rounds, busyJourneyRate } = plan.sideBySide;
  const { rates, warmPassRates } = plan.overhead;
  const measuredLoads = [
    ...WORKLOADS.map((workload) => ({ workload, rate: rates[workload] })),
    { workload: 'journey' as const, rate: busyJourneyRate },
  ];
  const contexts = splitShoppers(context);
  const results: SideBySidePair[] = [];
  for (const configs of pairs) {
    const pair: SideBySidePair = {
      configs,
      workloads: measuredLoads.map(({ workload, rate }) => ({
        workload,
        rate,
        cpuMsPerIteration: [[], []],
        p99Ms: [[], []],
        failures: [0, 0],
      })),
    };
    for (let round = 1; round <= rounds; round++) {
      // The two sides swap places every round, each round on fresh sets: the set started
      // first (and loaded first) used a few % more CPU than its twin in the pair ShopScope
      // beside ShopScope of a full run (0.94–0.99), whatever it ran, which would otherwise
      // always weigh on the same configuration.
      const order: [Side, Side] = round % 2 === 1 ? [0, 1] : [1, 0];
      log(
        `side by side: ${configs[0]} beside ${configs[1]}, round ${round}: fresh sets of four services, ${configs[order[0]]} started first`,
      );
      await measureRound(stack, configs, order, contexts, pair, { warmPassS, warmPassRates, warmupS, measureS }, log);
    }
    results.push(pair);
  }
  return results;
}

type Side = 0 | 1;

/**
 * One round of a pair: both sets started in `order`, warmed, then every workload offered to
 * both at once (loads launched in `order`), each set's CPU read over the same window; the
 * values are pushed to `pair` under their configuration's side.
 */
async function measureRound(
  stack: NativeStack,
  configs: SideBySidePair['configs'],
  order: [Side, Side],
  contexts: [LoadContext, LoadContext],
  pair: SideBySidePair,
  timing: { warmPassS: number; warmPassRates: Plan['overhead']['warmPassRates']; warmupS: number; measureS: number },
  log: (message: string) => void,
): Promise<void> {
  const sets = new Map<Side, ServiceSet>();
  try {
    // One at a time, so that the first is stopped even if the second fails to start.
    for (const side of order) sets.set(side, await ServiceSet.start(stack, configs[side]));
    const setOf = (side: Side) => sets.get(side) as ServiceSet;
    /** Both sides loaded at once; the results by side. */
    const both = async (spec: Parameters<typeof runLoad>[1]) => {
      const loads = await Promise.all(order.map((side) => runLoad(stack, spec, contexts[side], setOf(side).urls)));
      return new Map(order.map((side, i) => [side, loads[i] as LoadResult]));
    };
    // Fresh processes: their CPU per request falls for a while (JIT tiers, pools), so warmed first, unmeasured.
    for (const workload of WORKLOADS) {
      await both({
        workload,
        mode: 'rate',
        rate: timing.warmPassRates[workload],
        warmupS: 0,
        measureS: timing.warmPassS,
      });
    }
    for (const measured of pair.workloads) {
      // The previous run's telemetry leaves the SDKs' queues first, outside the window.
      await pause(BATCH_FLUSH_MS);
      const before = order.map((side) => setOf(side).cpuSeconds());
      const loads = await both({
        workload: measured.workload,
        mode: 'rate',
        rate: measured.rate,
        warmupS: timing.warmupS,
        measureS: timing.measureS,
      });
      const after = order.map((side) => setOf(side).cpuSeconds());
      order.forEach((side, i) => {
        const load = loads.get(side) as LoadResult;
        const cpuMs = ((after[i] ?? Number.NaN) - (before[i] ?? Number.NaN)) * 1000;
        measured.cpuMsPerIteration[side].push(cpuMs / load.totalIterations);
        measured.p99Ms[side].push(load.latencyMs.p99);
        measured.failures[side] += failures(load) + load.droppedIterations;
      });
      log(
        `  ${measured.workload} at ${measured.rate}/s: services' CPU ${configs
          .map((t, side) => `${t} ${measured.cpuMsPerIteration[side].at(-1)?.toFixed(3)}`)
          .join(', ')} ms per iteration; p99 ${configs
          .map((t, side) => `${t} ${measured.p99Ms[side].at(-1)?.toFixed(1)}`)
          .join(', ')} ms`,
      );
    }
  } finally {
    await Promise.all([...sets.values()].map((set) => set.stop()));
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
