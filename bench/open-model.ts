/**
 * The benchmark's load driver, independent of what an iteration does (bench/workloads.ts
 * says that): an open model at a fixed arrival rate, and a closed loop of N users.
 *
 * Open model (runOpenModel): iteration n is due at n / rate seconds after the start, and
 * it starts then, whether or not the ones before it have been answered — the load offered
 * is the same whatever the services do, and a slow answer does not delay the next arrival
 * (so latency cannot hide behind a falling rate: no coordinated omission). The scheduler
 * keeps absolute due times, so a late wake-up of the event loop starts the iterations that
 * are due at once rather than shifting the rest; how late each one after the warm-up
 * started is recorded (`lateMs`), so a run can show that the generator itself kept up. At most `slots`
 * iterations are in flight: an iteration due while every slot is busy is not started and
 * is counted as dropped. Each slot is one identity (the journey's shopper), never held by
 * two iterations at once.
 *
 * Closed loop (runClosedLoop): `users` loops, each starting its next iteration as soon as
 * its previous one ended; the rate is whatever the services answer — the peak.
 *
 * Both tag each iteration with its phase: in the open model by its due time (so the
 * measured phase holds exactly measureS × rate iterations), in the closed loop by the time
 * it started. No iteration is started after warmupS + measureS; those still in flight are
 * granted `graceS` to end, then aborted through their signal and counted as interrupted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Percentiles } from './load.ts';

export type Phase = 'warmup' | 'measure' | 'tail';

export interface Phases {
  warmupS: number;
  measureS: number;
}

/** The phase of an iteration that starts (or is due) `startS` seconds into the run. */
export function phaseAt(startS: number, { warmupS, measureS }: Phases): Phase {
  return startS < warmupS ? 'warmup' : startS < warmupS + measureS ? 'measure' : 'tail';
}

/**
 * Recorded values and their exact percentiles: the samples are kept (a run records tens
 * of thousands at most) and sorted once, no histogram buckets. A percentile between two
 * ranks is interpolated linearly, p50 of [1, 2] being 1.5.
 */
export class Samples {
  private readonly values: number[] = [];

  get count(): number {
    return this.values.length;
  }

  add(value: number): void {
    this.values.push(value);
  }

  percentiles(): Percentiles {
    const sorted = Float64Array.from(this.values).sort();
    const at = (p: number): number => {
      if (sorted.length === 0) return Number.NaN;
      const rank = p * (sorted.length - 1);
      const low = Math.floor(rank);
      const high = Math.min(low + 1, sorted.length - 1);
      return (sorted[low] as number) + ((sorted[high] as number) - (sorted[low] as number)) * (rank - low);
    };
    return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
  }
}

export interface IterationContext {
  /** 0, 1, 2… in the order the iterations were due (open model) or started (closed loop). */
  index: number;
  phase: Phase;
  /** The slot (open model) or user (closed loop) running it: 0 … slots − 1, held alone. */
  slot: number;
  /** Aborted when the run's grace time after its end has passed. */
  signal: AbortSignal;
}

/** One iteration. Its own failures are its business; a throw is reported through onCrash. */
export type Iteration = (context: IterationContext) => Promise<void>;

export interface DriverStats {
  /** Iterations started, whole run. */
  started: number;
  /** Open model: iterations due while every slot was busy, never started (whole run). */
  dropped: number;
  /** Iterations still running `graceS` after the end, aborted. */
  interrupted: number;
  /** Open model: how late each iteration after the warm-up started after its due time, ms. */
  lateMs: Percentiles | undefined;
  /** From the first start to the last iteration's end, s. */
  elapsedS: number;
}

interface Common extends Phases {
  iteration: Iteration;
  /** Time granted after warmupS + measureS to iterations in flight, s. */
  graceS: number;
  /** Called with what an iteration threw (the iteration counts as started, nothing more). */
  onCrash: (error: unknown, context: IterationContext) => void;
}

export interface OpenModelOptions extends Common {
  /** Iterations per second. */
  rate: number;
  /** The most iterations in flight at once. */
  slots: number;
}

export interface ClosedLoopOptions extends Common {
  users: number;
}

/** Waits until every promise in `running` has settled, or `graceS` has passed; then aborts. */
async function drain(running: Set<Promise<void>>, graceS: number, abort: AbortController): Promise<number> {
  if (running.size > 0) {
    const timer = new AbortController();
    await Promise.race([
      Promise.allSettled([...running]),
      sleep(graceS * 1000, undefined, { signal: timer.signal }).catch(() => {}),
    ]);
    timer.abort();
  }
  const interrupted = running.size;
  if (interrupted > 0) {
    abort.abort(new Error(`still running ${graceS} s after the end of the run`));
    await Promise.allSettled([...running]);
  }
  return interrupted;
}

export async function runOpenModel(options: OpenModelOptions): Promise<DriverStats> {
  const { rate, slots, iteration, onCrash } = options;
  if (!(rate > 0) || !(slots >= 1))
    throw new Error(`an open model needs a rate and slots (rate ${rate}, slots ${slots})`);
  const durationS = options.warmupS + options.measureS;
  // Iterations due strictly before the end: n / rate < durationS.
  const total = Math.ceil(durationS * rate - 1e-9);
  const free = Array.from({ length: slots }, (_, i) => slots - 1 - i);
  const running = new Set<Promise<void>>();
  const abort = new AbortController();
  const late = new Samples();
  let dropped = 0;
  const t0 = performance.now();
  for (let n = 0; n < total; n++) {
    const dueMs = (n * 1000) / rate;
    // Never early (a timer may fire a fraction of a ms early: it is then set again); timers
    // have a resolution of 1 ms, so up to about that late on an idle event loop.
    for (let waitMs = t0 + dueMs - performance.now(); waitMs > 0; waitMs = t0 + dueMs - performance.now()) {
      await sleep(waitMs);
    }
    const phase = phaseAt(dueMs / 1000, options);
    // The generator's own warm-up (its code is compiled as it first runs) is the run's too.
    if (phase !== 'warmup') late.add(performance.now() - t0 - dueMs);
    const slot = free.pop();
    if (slot === undefined) {
      dropped += 1;
      continue;
    }
    const context: IterationContext = { index: n, phase, slot, signal: abort.signal };
    const run: Promise<void> = iteration(context)
      .catch((error: unknown) => onCrash(error, context))
      .finally(() => {
        running.delete(run);
        free.push(slot);
      });
    running.add(run);
  }
  const interrupted = await drain(running, options.graceS, abort);
  return {
    started: total - dropped,
    dropped,
    interrupted,
    lateMs: late.percentiles(),
    elapsedS: (performance.now() - t0) / 1000,
  };
}

export async function runClosedLoop(options: ClosedLoopOptions): Promise<DriverStats> {
  const { users, iteration, onCrash } = options;
  const durationMs = (options.warmupS + options.measureS) * 1000;
  const abort = new AbortController();
  const running = new Set<Promise<void>>();
  let started = 0;
  const t0 = performance.now();
  const user = async (slot: number) => {
    for (let elapsed = 0; elapsed < durationMs && !abort.signal.aborted; elapsed = performance.now() - t0) {
      const context: IterationContext = {
        index: started++,
        phase: phaseAt(elapsed / 1000, options),
        slot,
        signal: abort.signal,
      };
      await iteration(context).catch((error: unknown) => onCrash(error, context));
    }
  };
  for (let slot = 0; slot < users; slot++) {
    const loop: Promise<void> = user(slot).finally(() => running.delete(loop));
    running.add(loop);
  }
  await sleep(durationMs);
  const interrupted = await drain(running, options.graceS, abort);
  return { started, dropped: 0, interrupted, lateMs: undefined, elapsedS: (performance.now() - t0) / 1000 };
}
