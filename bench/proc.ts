/**
 * What the benchmark reads from /proc (Linux): each process's resident memory (VmRSS) and
 * CPU time (utime + stime), the pids of the four services and of this stack's collector,
 * a sampler that keeps the highest RSS of each process per labelled period, and the CPU
 * of every process of the stack and of the whole machine over a window (machineCpuWindow).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mariaDbPid } from '../tools/stack/mariadb.ts';
import { type NativeStack, SERVICE_NAMES } from '../tools/stack/native-stack.ts';

export const COLLECTOR = 'otel-collector';

/** Resident memory in bytes, or undefined when the process is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const kib = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

let clockTicks: number | undefined;

/** CPU seconds (user + system) the process has used so far, or undefined when it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: split after it.
    // Then field 3 (state) is index 0, so utime (field 14) is 11 and stime (field 15) is 12.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return undefined;
  }
}

/** The pid of this stack's collector (the process the harness spawned: the binary itself). */
export function collectorPid(stack: NativeStack): number | undefined {
  const collector = stack.component(COLLECTOR);
  return collector.running ? collector.pid : undefined;
}

/** The processes the benchmark measures: the four services and the collector, by name. */
export function measuredPids(stack: NativeStack): Map<string, number> {
  const pids = new Map<string, number>();
  for (const name of SERVICE_NAMES) {
    const pid = stack.services.get(name)?.pid;
    if (pid !== undefined) pids.set(name, pid);
  }
  const collector = collectorPid(stack);
  if (collector !== undefined) pids.set(COLLECTOR, collector);
  return pids;
}

/** CPU seconds of each measured process now, to subtract from a later reading. */
export function cpuSnapshot(stack: NativeStack): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, pid] of measuredPids(stack)) {
    const seconds = cpuSeconds(pid);
    if (seconds !== undefined) out.set(name, seconds);
  }
  return out;
}

/** CPU seconds used between two snapshots, per process (the pids must not have changed). */
export function cpuUsed(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, end] of after) {
    const start = before.get(name);
    if (start !== undefined) out.set(name, end - start);
  }
  return out;
}

/** The benchmark's own process in the machine's CPU split: its worker thread is the load generator. */
export const LOAD_GENERATOR = 'load generator (the benchmark)';
/** The machine's CPU that no process of the stack or the benchmark used (kernel threads, other daemons). */
export const REST_OF_MACHINE = 'rest of the machine';

/**
 * Every process on the machine that the benchmark runs: the four services, each backend of
 * the native stack (collector, Jaeger, Prometheus, Alertmanager, Mailpit, the Loki
 * stand-in), MariaDB, and the benchmark itself (LOAD_GENERATOR).
 */
export function stackPids(stack: NativeStack): Map<string, number> {
  const pids = measuredPids(stack);
  for (const component of stack.components) {
    if (component.running && component.pid !== undefined) pids.set(component.name, component.pid);
  }
  const db = stack.db && mariaDbPid(stack.db);
  if (db !== undefined) pids.set('mariadb', db);
  pids.set(LOAD_GENERATOR, process.pid);
  return pids;
}

/** The machine's CPU seconds so far (/proc/stat, all cores): busy, and in all (busy + idle + iowait). */
export function machineCpuSeconds(): { busyS: number; totalS: number } {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice).
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = cpu;
  const busy = user + nice + system + irq + softirq + steal;
  return { busyS: busy / clockTicks, totalS: (busy + idle + iowait) / clockTicks };
}

/** Where the machine's CPU went during a window: seconds by process, and the machine's busy and total. */
export interface MachineCpu {
  /** CPU seconds by process (stackPids' names), REST_OF_MACHINE included. */
  byProcessS: Record<string, number>;
  /** CPU seconds the machine was busy (all cores), and its total (cores × the window). */
  busyS: number;
  totalS: number;
}

/**
 * Starts a window over every process of the stack and the whole machine; the function it
 * returns ends it. A process that restarted inside the window is left out (its pid changed).
 */
export function machineCpuWindow(stack: NativeStack): () => MachineCpu {
  const pids = stackPids(stack);
  const start = new Map([...pids].map(([name, pid]) => [name, cpuSeconds(pid)]));
  const machineStart = machineCpuSeconds();
  return () => {
    const byProcessS: Record<string, number> = {};
    for (const [name, pid] of pids) {
      const from = start.get(name);
      const to = cpuSeconds(pid);
      if (from !== undefined && to !== undefined) byProcessS[name] = to - from;
    }
    const machineEnd = machineCpuSeconds();
    const busyS = machineEnd.busyS - machineStart.busyS;
    const named = Object.values(byProcessS).reduce((sum, s) => sum + s, 0);
    byProcessS[REST_OF_MACHINE] = Math.max(0, busyS - named);
    return { byProcessS, busyS, totalS: machineEnd.totalS - machineStart.totalS };
  };
}

/**
 * Samples the RSS of every measured process every `intervalMs` and keeps, per label, the
 * highest value seen for each. The caller sets `label` to the period being measured
 * (e.g. "overhead on", "capacity hold"); samples taken while it is undefined are dropped.
 */
export class RssSampler {
  label: string | undefined;
  readonly peaks = new Map<string, Map<string, number>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly stack: NativeStack;
  private readonly intervalMs: number;

  constructor(stack: NativeStack, intervalMs = 500) {
    this.stack = stack;
    this.intervalMs = intervalMs;
  }

  start(): void {
    this.timer ??= setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One reading of every process now (also recorded under the current label, if any). */
  sample(): Map<string, number> {
    const now = new Map<string, number>();
    for (const [name, pid] of measuredPids(this.stack)) {
      const rss = rssBytes(pid);
      if (rss !== undefined) now.set(name, rss);
    }
    if (this.label !== undefined) {
      let peaks = this.peaks.get(this.label);
      if (!peaks) {
        peaks = new Map();
        this.peaks.set(this.label, peaks);
      }
      for (const [name, rss] of now) peaks.set(name, Math.max(rss, peaks.get(name) ?? 0));
    }
    return now;
  }

  peaksOf(label: string): Map<string, number> {
    return this.peaks.get(label) ?? new Map();
  }
}
