/**
 * The resource faults of the fault API (src/resource-faults.ts, owned by FaultInjector in
 * src/faults.ts): the bounds of the schema (400 naming the field), the leak's ceilings
 * (max_mb, and the safe share of the heap limit, which must fit the services' V8 settings and
 * HeapNearLimit), the leak's rate and the heap it really holds, CPU burn's share of the
 * event loop, blocking measured as event-loop delay, and that DELETE (or a new PUT) stops
 * everything, with timers that never keep a process alive.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { parseEnv } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createLogger, createServiceApp, type FaultInjector } from '@shopscope/common';
import { ResourceFaults } from '../dist/resource-faults.js';

const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const TOKEN = 'unit-test-admin-token';

describe('PUT /admin/faults with resource faults', () => {
  let server: Server;
  let base = '';
  let faults: FaultInjector;
  before(async () => {
    const service = createServiceApp({
      name: 'unit',
      logger: createLogger('unit', 'silent'),
      readiness: async () => undefined,
      adminToken: TOKEN,
    });
    faults = service.faults;
    server = service.finish().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    faults.reset();
    await new Promise((resolve) => server.close(resolve));
  });

  const admin = async (method: string, body?: unknown) => {
    const res = await fetch(`${base}/admin/faults`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { result?: unknown; details?: { fields?: object } } };
  };

  test('out-of-bounds values are a 400 naming the field, and change nothing', async () => {
    const cases: [unknown, string][] = [
      [{ cpu_burn: { ratio: 0.95 } }, 'cpu_burn.ratio'],
      [{ cpu_burn: { ratio: 0 } }, 'cpu_burn.ratio'],
      [{ cpu_burn: {} }, 'cpu_burn.ratio'],
      [{ memory_leak: { mb_per_s: 0 } }, 'memory_leak.mb_per_s'],
      [{ memory_leak: { mb_per_s: 65 } }, 'memory_leak.mb_per_s'],
      [{ memory_leak: { mb_per_s: 1, max_mb: 4096 } }, 'memory_leak.max_mb'],
      [{ memory_leak: 'lots' }, 'memory_leak'],
      [{ event_loop_block: { block_ms: 950, every_ms: 1000 } }, 'event_loop_block.block_ms'],
      [{ event_loop_block: { block_ms: 10, every_ms: 50 } }, 'event_loop_block.every_ms'],
      [{ event_loop_block: { block_ms: 6000, every_ms: 60000 } }, 'event_loop_block.block_ms'],
      // Each within its own bounds, but together 100 % of the event loop.
      [{ cpu_burn: { ratio: 0.5 }, event_loop_block: { block_ms: 500, every_ms: 1000 } }, 'cpu_burn'],
    ];
    for (const [body, field] of cases) {
      const answer = await admin('PUT', body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.ok(answer.body.details?.fields && field in answer.body.details.fields, JSON.stringify(answer.body));
    }
    assert.deepEqual((await admin('GET')).body.result, { latency_ms: 0, jitter_ms: 0, error_rate: 0 });
    assert.equal(faults.resources.runningTimers, 0);
  });

  test('a PUT sets the whole config, DELETE stops every fault and answers the plain reset', async () => {
    const all = {
      memory_leak: { mb_per_s: 1, max_mb: 8 },
      cpu_burn: { ratio: 0.1 },
      event_loop_block: { block_ms: 5, every_ms: 1000 },
    };
    const set = await admin('PUT', all);
    assert.equal(set.status, 200);
    assert.deepEqual(set.body.result, { latency_ms: 0, jitter_ms: 0, error_rate: 0, ...all });
    assert.equal(faults.resources.runningTimers, 3);
    // A second PUT replaces the first: what it does not name is off.
    const only = await admin('PUT', { latency_ms: 5, cpu_burn: { ratio: 0.1 } });
    assert.deepEqual(only.body.result, { latency_ms: 5, jitter_ms: 0, error_rate: 0, cpu_burn: { ratio: 0.1 } });
    assert.equal(faults.resources.runningTimers, 1);
    const reset = await admin('DELETE');
    assert.deepEqual(reset.body.result, { latency_ms: 0, jitter_ms: 0, error_rate: 0 });
    assert.equal(faults.resources.runningTimers, 0);
    assert.equal(faults.resources.leakedBytes, 0);
  });

  test('the shutdown stops the faults, so a busy loop does not slow the draining', () => {
    const other = createServiceApp({
      name: 'unit',
      logger: createLogger('unit', 'silent'),
      readiness: async () => undefined,
      adminToken: TOKEN,
    });
    other.faults.set({ latency_ms: 0, jitter_ms: 0, error_rate: 0, cpu_burn: { ratio: 0.1 } });
    assert.equal(other.faults.resources.runningTimers, 1);
    other.markShuttingDown();
    assert.equal(other.faults.resources.runningTimers, 0);
  });

  test('the answer is a copy: changing it does not change the faults', () => {
    faults.set({ latency_ms: 0, jitter_ms: 0, error_rate: 0, cpu_burn: { ratio: 0.1 } });
    const current = faults.current;
    if (current.cpu_burn) current.cpu_burn.ratio = 0.9;
    assert.equal(faults.current.cpu_burn?.ratio, 0.1);
    faults.reset();
  });
});

describe('the memory leak', () => {
  test('grows at its rate, on the V8 heap, and DELETE lets it go', async () => {
    // Full GCs on demand, so that garbage does not blur what the leak holds (a service gets
    // its full GCs as it allocates).
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    const faults = new ResourceFaults({ leakTickMs: 50 });
    const heapBefore = v8.getHeapStatistics().used_heap_size;
    const started = performance.now();
    faults.apply({ memory_leak: { mb_per_s: 16, max_mb: 256 } });
    await sleep(1_000);
    const seconds = (performance.now() - started) / 1000;
    const leakedMb = faults.leakedBytes / MB;
    // Timers on a busy machine run late, never early: allow less, not more.
    assert.ok(leakedMb >= 16 * seconds * 0.5 && leakedMb <= 16 * seconds + 1, `${leakedMb} MB in ${seconds} s`);
    // Real heap: what v8js_memory_heap_used_bytes reports grew by (at least most of) it.
    gc();
    const grown = (v8.getHeapStatistics().used_heap_size - heapBefore) / MB;
    assert.ok(grown >= leakedMb * 0.8, `heap grew ${grown} MB for ${leakedMb} MB leaked`);
    faults.stop();
    assert.equal(faults.leakedBytes, 0);
    assert.equal(faults.runningTimers, 0);
    gc();
    const after = (v8.getHeapStatistics().used_heap_size - heapBefore) / MB;
    assert.ok(after < leakedMb * 0.2, `${after} MB still held after the reset (${leakedMb} MB leaked)`);
  });

  test('stops at max_mb', async () => {
    const faults = new ResourceFaults({ leakTickMs: 20 });
    faults.apply({ memory_leak: { mb_per_s: 64, max_mb: 2 } });
    await sleep(400);
    assert.equal(faults.leakedBytes, 2 * MB);
    faults.stop();
  });

  test("stops at the safe share of the heap limit, counting the service's own use", async () => {
    // A 100 MB heap whose service keeps 40 MB in its old generation: 78 % is 78 MB, so at
    // most 38 MB of leak.
    let ownUse = 40 * MB;
    const faults = new ResourceFaults({
      leakTickMs: 10,
      heapStatistics: () => ({ old_generation_used: ownUse + faults.leakedBytes, heap_size_limit: 100 * MB }),
    });
    faults.apply({ memory_leak: { mb_per_s: 64, max_mb: 1024 } });
    await sleep(1_500);
    const leaked = faults.leakedBytes / MB;
    assert.ok(leaked <= 38 && leaked >= 37, `${leaked} MB`);
    // The service's own use grows: the leak does not grow further.
    ownUse = 60 * MB;
    await sleep(100);
    assert.equal(faults.leakedBytes / MB, leaked);
    faults.stop();
  });
});

describe('CPU burn and event-loop blocking', () => {
  test('CPU burn keeps about its share of the event loop busy', async () => {
    const faults = new ResourceFaults({ burnPeriodMs: 50 });
    faults.apply({ cpu_burn: { ratio: 0.6 } });
    const start = performance.eventLoopUtilization();
    await sleep(1_500);
    const busy = performance.eventLoopUtilization(start).utilization;
    faults.stop();
    assert.ok(busy >= 0.45 && busy <= 0.8, `event loop utilization ${busy} for a ratio of 0.6`);
    const idle = performance.eventLoopUtilization();
    await sleep(500);
    assert.ok(performance.eventLoopUtilization(idle).utilization < 0.3, 'the loop is idle again after stop');
  });

  test('blocking delays the event loop by block_ms, and stops with the fault', async () => {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const faults = new ResourceFaults();
    faults.apply({ event_loop_block: { block_ms: 150, every_ms: 300 } });
    await sleep(1_000);
    const blocked = delay.max / 1e6;
    faults.stop();
    delay.reset();
    await sleep(600);
    const after = delay.max / 1e6;
    delay.disable();
    assert.ok(blocked >= 140, `max event-loop delay ${blocked} ms while blocking 150 ms`);
    assert.ok(after < 100, `max event-loop delay ${after} ms after stop`);
  });
});

test("with services/runtime.env's heap settings, the leak holds the heap above HeapNearLimit's threshold and the process lives", () => {
  // The ceiling, the services' V8 settings and the alert's threshold must fit together: a
  // ceiling too high for the old generation ends the process with an out-of-memory error
  // before the alert can fire (4 MB semi-spaces did that to the earlier ceiling), one too
  // low never fires it. A real process with the services' NODE_OPTIONS leaks at full speed
  // while allocating like a busy service: garbage, some of it living long enough to be
  // promoted to the old generation.
  const repoFile = (file: string) => readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8');
  const nodeOptions = parseEnv(repoFile('services/runtime.env')).NODE_OPTIONS;
  assert.ok(nodeOptions?.includes('--max-old-space-size'), `NODE_OPTIONS: ${nodeOptions}`);
  const rules = repoFile('prometheus/rules/alerts-services.yml');
  const rule = rules.slice(rules.indexOf('alert: HeapNearLimit'));
  const threshold = Number(/\)\s*>\s*([0-9.]+)/.exec(rule)?.[1]);
  assert.ok(threshold > 0 && threshold < 1, `HeapNearLimit's threshold: ${threshold}`);
  const dist = createRequire(import.meta.url).resolve('../dist/resource-faults.js');
  const script = `
    const v8 = require('node:v8');
    const faults = new (require(${JSON.stringify(dist)}).ResourceFaults)({ leakTickMs: 20 });
    faults.apply({ memory_leak: { mb_per_s: 64, max_mb: 1024 } });
    let recent = [];
    const busy = setInterval(() => {
      for (let i = 0; i < 3000; i++) recent.push({ id: i, items: new Array(20).fill(i), name: 'item ' + i });
      if (recent.length > 20000) recent = recent.slice(10000);
    }, 5);
    const shares = [];
    const sample = setInterval(() => {
      const heap = v8.getHeapStatistics();
      shares.push(heap.used_heap_size / heap.heap_size_limit);
    }, 100);
    setTimeout(() => {
      clearInterval(busy); clearInterval(sample);
      const last = shares.slice(-30);
      console.log(JSON.stringify({ leakedMb: faults.leakedBytes / 2 ** 20, min: Math.min(...last), mean: last.reduce((a, b) => a + b) / last.length }));
      faults.stop();
    }, 7000);`;
  const run = spawnSync(process.execPath, ['-e', script], {
    timeout: 30_000,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: nodeOptions },
  });
  assert.equal(run.error, undefined);
  assert.equal(run.status, 0, `the process died (${run.signal ?? run.status}): ${run.stderr.slice(0, 400)}`);
  const heap = JSON.parse(run.stdout) as { leakedMb: number; min: number; mean: number };
  assert.ok(heap.leakedMb > 20, `${heap.leakedMb} MB leaked`);
  // The alert averages over a minute; over the last 3 s, no sample below its threshold.
  assert.ok(heap.min > threshold, `heap used / limit at least ${heap.min} (mean ${heap.mean}), threshold ${threshold}`);
});

test('the fault timers never keep a process alive', () => {
  // A process whose only work is the faults must exit by itself.
  const dist = createRequire(import.meta.url).resolve('../dist/resource-faults.js');
  const script = `new (require(${JSON.stringify(dist)}).ResourceFaults)().apply({
    memory_leak: { mb_per_s: 1, max_mb: 8 }, cpu_burn: { ratio: 0.2 }, event_loop_block: { block_ms: 10, every_ms: 100 },
  });`;
  const run = spawnSync(process.execPath, ['-e', script], { timeout: 10_000, encoding: 'utf8' });
  assert.equal(run.error, undefined, 'exited before the 10 s timeout');
  assert.equal(run.status, 0, run.stderr);
});
