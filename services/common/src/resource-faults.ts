import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { z } from 'zod';
import type { Logger } from './logger';

/**
 * Resource faults, the coursework's switches for USE (utilisation, saturation, errors)
 * signals: a memory leak, CPU burn and event-loop blocking inside the service's own
 * process. Each is bounded by its schema and by the process's own limits, so a fault
 * degrades the service without ever killing it: the fault API must still answer the
 * DELETE that ends it. Owned by FaultInjector (faults.ts): a PUT of the fault API sets
 * the whole configuration, DELETE (or a restart, or the shutdown) stops them all.
 */

/**
 * Together, CPU burn and blocking may take at most this share of the event loop: the
 * remaining tenth is what lets the service (and its fault API) still answer.
 */
export const MAX_BUSY_SHARE = 0.9;

/** Grows the V8 heap by `mb_per_s` until `max_mb` are held (or the heap's safe share is reached). */
export const memoryLeakSchema = z.object({
  mb_per_s: z.coerce.number().gt(0, 'must be more than 0').max(64, 'must be at most 64'),
  max_mb: z.coerce.number().int().min(1).max(1024).default(256),
});

/** Keeps the event loop busy `ratio` of the time (0.5: half of every 50 ms). */
export const cpuBurnSchema = z.object({
  ratio: z.coerce.number().gt(0, 'must be more than 0').max(0.9, 'must be at most 0.9'),
});

/** Blocks the event loop for `block_ms` every `every_ms` (a synchronous busy wait). */
export const eventLoopBlockSchema = z
  .object({
    block_ms: z.coerce.number().int().min(1).max(5_000),
    every_ms: z.coerce.number().int().min(100).max(60_000),
  })
  .refine((b) => b.block_ms <= b.every_ms * MAX_BUSY_SHARE, {
    message: `block_ms must be at most ${MAX_BUSY_SHARE * 100} % of every_ms`,
    path: ['block_ms'],
  });

export const resourceFaultFields = {
  memory_leak: memoryLeakSchema.optional(),
  cpu_burn: cpuBurnSchema.optional(),
  event_loop_block: eventLoopBlockSchema.optional(),
};

export interface ResourceFaultConfig {
  memory_leak?: z.infer<typeof memoryLeakSchema>;
  cpu_burn?: z.infer<typeof cpuBurnSchema>;
  event_loop_block?: z.infer<typeof eventLoopBlockSchema>;
}

/** The share of the event loop the configuration keeps busy (CPU burn plus blocking). */
export function busyShare(config: ResourceFaultConfig): number {
  const block = config.event_loop_block;
  return (config.cpu_burn?.ratio ?? 0) + (block ? block.block_ms / block.every_ms : 0);
}

/**
 * What the leak's ceiling reads: the old generation's bytes in use (every heap space but the
 * young generation's two) and V8's heap_size_limit. From V8 in a service (v8OldGeneration),
 * a stand-in in tests.
 */
export type HeapStatistics = () => { old_generation_used: number; heap_size_limit: number };

/** The young generation's spaces: short-lived objects, scavenged and never what runs out. */
const YOUNG_GENERATION_SPACES = new Set(['new_space', 'new_large_object_space']);

function v8OldGeneration(): ReturnType<HeapStatistics> {
  let used = 0;
  for (const space of v8.getHeapSpaceStatistics()) {
    if (!YOUNG_GENERATION_SPACES.has(space.space_name)) used += space.space_used_size;
  }
  return { old_generation_used: used, heap_size_limit: v8.getHeapStatistics().heap_size_limit };
}

export interface ResourceFaultOptions {
  logger?: Logger;
  /** How often the leak grows (ms); short in tests. */
  leakTickMs?: number;
  /**
   * The CPU burn's cycle (ms): busy `ratio` of it, then idle. Short (50 ms by default), so
   * that a burn saturates the event loop without also delaying each request by much: a
   * request waits at most one busy slice (event_loop_block is the fault for long delays).
   */
  burnPeriodMs?: number;
  /** The share of heap_size_limit the old generation may reach through the leak. */
  heapSafeShare?: number;
  heapStatistics?: HeapStatistics;
}

const MB = 1024 * 1024;
/** One retained chunk: 32 Ki doubles, 256 KiB of V8 heap. */
const CHUNK_DOUBLES = 32 * 1024;
const CHUNK_BYTES = CHUNK_DOUBLES * 8;

/**
 * The leak stops when the old generation would pass 78 % of heap_size_limit, counting what
 * the service itself keeps there. The leak's chunks live in the old generation (each is a
 * large object), and it is the old generation that runs out: V8 ends the process with a
 * fatal out-of-memory error when a full GC cannot make room under --max-old-space-size, or
 * frees almost nothing in a nearly full old generation. heap_size_limit adds the young
 * generation to that (3 × the semi-space size): with services/runtime.env's 72 MB old
 * generation and 4 MB semi-spaces it is 84 MB, and 78 % of it is 65.5 MB, which leaves the
 * old generation 6.5 MB for the objects a service's requests promote. 85 % of the whole
 * heap, the earlier ceiling, was 71.4 MB with 4 MB semi-spaces: the process died before
 * HeapNearLimit fired. The alert reads the whole heap used (young included) against the
 * same limit and fires at 75 %, below where the leak holds it.
 * resource-faults.unit.test.ts runs this with runtime.env's settings in a real process.
 * Re-read at each step, because the service's own use changes under load.
 */
const DEFAULT_HEAP_SAFE_SHARE = 0.78;

const tracer = trace.getTracer('shopscope.faults');

/** Spins on the CPU for `ms`: the busy wait of CPU burn and blocking (a sleep would free the loop). */
function busyWait(ms: number): void {
  const end = performance.now() + ms;
  let spins = 0;
  // The counter gives the loop a body, so it is plainly work rather than an empty wait.
  while (performance.now() < end) spins++;
  void spins;
}

export class ResourceFaults {
  private readonly logger: Logger | undefined;
  private readonly leakTickMs: number;
  private readonly burnPeriodMs: number;
  private readonly heapSafeShare: number;
  private readonly heapStatistics: HeapStatistics;
  private timers: NodeJS.Timeout[] = [];
  /** The leaked memory: arrays of doubles live on the V8 heap (a Buffer would not: it is off-heap). */
  private leaked: number[][] = [];
  /** Bytes the leak's rate has owed since its last chunk. */
  private owed = 0;
  private capped = false;

  constructor(options: ResourceFaultOptions = {}) {
    this.logger = options.logger;
    this.leakTickMs = options.leakTickMs ?? 250;
    this.burnPeriodMs = options.burnPeriodMs ?? 50;
    this.heapSafeShare = options.heapSafeShare ?? DEFAULT_HEAP_SAFE_SHARE;
    this.heapStatistics = options.heapStatistics ?? v8OldGeneration;
  }

  /** Bytes the memory leak holds now. */
  get leakedBytes(): number {
    return this.leaked.length * CHUNK_BYTES;
  }

  /** Number of timers running (0 when no resource fault is set). */
  get runningTimers(): number {
    return this.timers.length;
  }

  /** Stops what runs and starts what `config` asks for: a PUT replaces the whole set. */
  apply(config: ResourceFaultConfig): void {
    this.stop();
    // Timers started from inside the PUT's request would carry its trace context: every
    // block span and log line would join that one request's trace. They get none.
    context.with(ROOT_CONTEXT, () => {
      if (config.memory_leak) this.startLeak(config.memory_leak);
      if (config.cpu_burn) this.startBurn(config.cpu_burn.ratio);
      if (config.event_loop_block) this.startBlocking(config.event_loop_block);
    });
    if (config.memory_leak || config.cpu_burn || config.event_loop_block) {
      this.logger?.warn({ fault: config }, 'resource faults started');
    }
  }

  /** Stops every timer and drops the leaked memory (freed at V8's next full GC). */
  stop(): void {
    const wasRunning = this.timers.length > 0 || this.leaked.length > 0;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.leaked = [];
    this.owed = 0;
    this.capped = false;
    if (wasRunning) this.logger?.info('resource faults stopped');
  }

  /** setInterval, unref'd: a fault never keeps a process alive that would otherwise exit. */
  private every(ms: number, tick: () => void): void {
    const timer = setInterval(tick, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private startLeak({ mb_per_s, max_mb }: { mb_per_s: number; max_mb: number }): void {
    const perTick = (mb_per_s * MB * this.leakTickMs) / 1000;
    this.every(this.leakTickMs, () => {
      this.owed += perTick;
      while (this.owed >= CHUNK_BYTES) {
        if (this.leakedBytes + CHUNK_BYTES > max_mb * MB) {
          this.reachedCeiling(`max_mb (${max_mb} MB)`);
          return;
        }
        const heap = this.heapStatistics();
        if (heap.old_generation_used + CHUNK_BYTES > heap.heap_size_limit * this.heapSafeShare) {
          const limitMb = Math.round(heap.heap_size_limit / MB);
          this.reachedCeiling(
            `${Math.round(this.heapSafeShare * 100)} % of the heap limit (${limitMb} MB) in the old generation`,
          );
          return;
        }
        this.leaked.push(new Array<number>(CHUNK_DOUBLES).fill(this.leaked.length + 0.5));
        this.owed -= CHUNK_BYTES;
      }
    });
  }

  /** The leak holds what it has and waits: the heap check may allow more after the next GC. */
  private reachedCeiling(which: string): void {
    this.owed = 0;
    if (this.capped) return;
    this.capped = true;
    this.logger?.warn({ leaked_mb: Math.round(this.leakedBytes / MB) }, `memory leak stopped growing at ${which}`);
  }

  private startBurn(ratio: number): void {
    const busyMs = ratio * this.burnPeriodMs;
    // No span per slice: ten a second would drown the service's own traces.
    this.every(this.burnPeriodMs, () => busyWait(busyMs));
  }

  private startBlocking({ block_ms, every_ms }: { block_ms: number; every_ms: number }): void {
    this.every(every_ms, () => {
      // One span per block, as fault.latency has per request: in Jaeger, the requests that
      // waited overlap a fault.event_loop_block span of the same service.
      const span = tracer.startSpan('fault.event_loop_block', {
        attributes: { 'fault.injected': true, 'fault.block_ms': block_ms, 'fault.every_ms': every_ms },
      });
      busyWait(block_ms);
      span.end();
    });
  }
}
