/** A small closed-loop load generator for tests: `concurrency` workers issue `total` requests. */
export interface LoadResult {
  latenciesMs: number[];
  statuses: Map<number, number>;
  errors: number;
}

export async function runLoad(
  request: () => Promise<Response>,
  { total, concurrency }: { total: number; concurrency: number },
): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const statuses = new Map<number, number>();
  let errors = 0;
  let issued = 0;
  const worker = async () => {
    while (issued < total) {
      issued++;
      const started = performance.now();
      try {
        const res = await request();
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      } catch {
        errors++;
      }
      latenciesMs.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latenciesMs, statuses, errors };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Resident set size of a process in MiB, from /proc (Linux). */
export async function rssMiB(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return kb / 1024;
}
