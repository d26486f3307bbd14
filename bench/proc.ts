/**
 * What the benchmark reads from /proc (Linux): each process's resident memory (VmRSS) and
 * CPU time (utime + stime), the pids of the four services and of this stack's collector,
 * and a sampler that keeps the highest RSS of each process per labelled period.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
