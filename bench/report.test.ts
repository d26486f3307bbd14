/**
 * Parts of the report (bench/report.ts): section 6, the last compose rehearsal's container
 * figures beside the native ones (or a sentence saying there are none), and section 2's
 * split of the machine's CPU per journey with and without telemetry.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ComposeFigures } from '../tools/stack/compose-figures.ts';
import type { LoadResult } from './load.ts';
import { capacityCpuSection, containersSection, profileSection } from './report.ts';
import type { Results, ServicesProfile } from './results.ts';

const MIB = 2 ** 20;

/** Only what the section reads of a run's results. */
function results(containers?: ComposeFigures): Results {
  return {
    freshness: { traceS: [1.2, 2.5], metricS: [9] },
    footprint: {
      idle: { shopscope: { frontend: 60 * MIB }, off: {}, 'zero-code': {} },
      overheadPeak: { shopscope: {}, off: {}, 'zero-code': {} },
      capacityPeak: { shopscope: { frontend: 150 * MIB }, off: {} },
      memoryLimitBytes: { frontend: 192 * MIB },
    },
    containers,
  } as unknown as Results;
}

test('without a rehearsal on this machine, the section says so instead of showing numbers', () => {
  assert.match(containersSection(results()), /No compose rehearsal has run on this machine/);
});

test("the rehearsal's figures, its commit and day, beside the native ones, with the whole stack's totals", () => {
  const section = containersSection(
    results({
      commit: '0123456789ab',
      at: '2026-12-05T09:00:00.000Z',
      upToHealthyS: 71.4,
      upToFirstTraceS: 58.2,
      idle: [
        { name: 'frontend', cpuPercent: 0.5, usedMiB: 65, limitMiB: 192 },
        { name: 'jaeger', cpuPercent: 0.25, usedMiB: 15, limitMiB: 192 },
      ],
      load: {
        what: 'a test load',
        requests: 2000,
        orders: 100,
        failedJourneys: 0,
        containers: [
          { name: 'frontend', cpuMeanPercent: 12, peakMiB: 82, limitMiB: 192 },
          { name: 'jaeger', cpuMeanPercent: 3, peakMiB: 49, limitMiB: 192 },
        ],
      },
    }),
  );
  assert.match(section, /commit 0123456789ab on 2026-12-05/);
  assert.match(section, /to every container healthy: \*\*71 s\*\*; to the first trace .*: \*\*58 s\*\*/);
  assert.match(section, /Natively, a trace is in Jaeger 2\.50 s after its request at most/);
  const row = (name: string) => section.split('\n').find((line) => line.startsWith(`| ${name} |`));
  // native idle RSS, idle, native peak, peak under load, limit, share, idle CPU, CPU under load
  assert.equal(row('frontend'), '| frontend | 60 | 65 | 150 | 82 | 192 | 43 % | 0.5 | 12.0 |');
  assert.equal(row('jaeger'), '| jaeger | — | 15 | — | 49 | 192 | 26 % | 0.3 | 3.0 |', 'not a native process measured');
  assert.equal(row('**whole stack**'), '| **whole stack** |  | 80 |  | 131 | 384 |  | 0.8 | 15.0 |');
});

/** A ladder step of `journeys` journeys whose processes used `cpuS` CPU seconds (machine: 2 cores for 40 s). */
function step(rate: number, pass: boolean, journeys: number, cpuS?: Record<string, number>) {
  const busyS = cpuS ? Object.values(cpuS).reduce((a, b) => a + b, 0) : 0;
  return {
    rate,
    pass,
    why: pass ? '' : 'p95 900 ms',
    result: { totalIterations: journeys } as LoadResult,
    ...(cpuS ? { cpu: { byProcessS: { ...cpuS, 'rest of the machine': 0.1 }, busyS: busyS + 0.1, totalS: 80 } } : {}),
  };
}

test("the machine's CPU per journey is split at the highest rate both ladders passed, with what it allows the capacity ratio to be", () => {
  const services = { frontend: 2, 'user-service': 0.5, 'product-service': 1.5, 'order-service': 2 };
  const run = {
    capacity: {
      shopscope: {
        steps: [
          step(10, true, 400, { ...services, 'otel-collector': 0.2 }),
          step(20, true, 700, { ...services, frontend: 3, 'otel-collector': 0.7, jaeger: 0.35, mariadb: 1 }),
          step(40, false, 900, { ...services }),
        ],
        holds: [step(18, true, 1080, { frontend: 30 })],
        journeysPerS: 18,
        holdRate: 18,
      },
      off: {
        steps: [
          step(20, true, 700, { ...services, 'otel-collector': 0.07, jaeger: 0, mariadb: 1 }),
          step(40, true, 1400, { ...services }),
        ],
        holds: [step(36, true, 2160, { frontend: 50 })],
        journeysPerS: 36,
        holdRate: 36,
      },
    },
    machine: { cores: 2 },
  } as unknown as Results;
  const section = capacityCpuSection(run);
  assert.match(
    section,
    /over the ladder's step at 20 journeys\/s/,
    'the highest rate both passed, not 40 (shopscope failed it)',
  );
  const row = (name: string) => section.split('\n').find((line) => line.startsWith(`| ${name} |`));
  // 3 s of frontend CPU over 700 journeys with shopscope, 2 s without.
  assert.equal(row('frontend'), '| frontend | 4.286 | 2.857 | +1.429 |');
  assert.equal(row('otel-collector'), '| otel-collector | 1.000 | 0.100 | +0.900 |');
  assert.ok(
    section.indexOf('| otel-collector |') < section.indexOf('| jaeger |'),
    'backends by their cost, after the services',
  );
  assert.ok(section.indexOf('| jaeger |') < section.indexOf('| mariadb |'));
  // machine: shopscope 3+0.5+1.5+2+0.7+0.35+1+0.1 = 9.15 s, off 2+0.5+1.5+2+0.07+0+1+0.1 = 7.17 s, per 700 journeys
  assert.equal(row('**the machine**'), '| **the machine** | **13.071** | **10.243** | **+2.829** |');
  assert.match(section, /the services add \+1\.429 ms, the telemetry backends \+1\.400 ms \(otel-collector, jaeger\)/);
  assert.match(section, /0\.78 × off's by this split, 0\.500 measured/);
  // 10.243 / (10.243 + 1.4)
  assert.match(section, /at most 0\.88 × off's capacity/);
  assert.match(section, /machine was 38 % busy with shopscope at 18 journeys\/s and 63 % with off at 36/);
});

test("the floor's ladder, spans only, gets a column at the same rate, with what it allows the capacity ratio to be", () => {
  const services = { frontend: 2, 'user-service': 0.5, 'product-service': 1.5, 'order-service': 2 };
  const run = {
    capacity: {
      shopscope: {
        steps: [step(20, true, 700, { ...services, frontend: 3, 'otel-collector': 0.7 })],
        holds: [step(18, true, 1080, { frontend: 30 })],
        journeysPerS: 18,
        holdRate: 18,
      },
      off: {
        steps: [step(20, true, 700, { ...services, 'otel-collector': 0.07 })],
        holds: [step(36, true, 2160, { frontend: 50 })],
        journeysPerS: 36,
        holdRate: 36,
      },
      'spans only': {
        steps: [step(20, true, 700, { ...services, frontend: 2.35, 'otel-collector': 0.35 })],
        holds: [step(25, true, 1500, { frontend: 40 })],
        journeysPerS: 25,
        holdRate: 25,
      },
    },
    machine: { cores: 2 },
  } as unknown as Results;
  const section = capacityCpuSection(run);
  const row = (name: string) => section.split('\n').find((line) => line.startsWith(`| ${name} |`));
  // 2.35 s of frontend CPU over 700 journeys with spans only.
  assert.equal(row('frontend'), '| frontend | 4.286 | 2.857 | +1.429 | 3.357 |');
  // machine: shopscope 7.8 s, off 6.17 s, spans only 2.35+0.5+1.5+2+0.35+0.1 = 6.8 s, per 700 journeys
  assert.equal(row('**the machine**'), '| **the machine** | **11.143** | **8.814** | **+2.329** | **9.714** |');
  assert.match(
    section,
    /With spans only a journey costs the machine 9\.714 ms \(×1\.10 off's\): the services \+0\.500 ms, the backends \+0\.400 ms; by this split its capacity is at most 0\.91 × off's\./,
  );
});

test('without a rate passed by both ladders, the split says so', () => {
  const run = {
    capacity: {
      shopscope: { steps: [step(5, false, 100, { frontend: 1 })], holds: [], journeysPerS: 0, holdRate: 0 },
      off: { steps: [step(5, true, 100, { frontend: 1 })], holds: [], journeysPerS: 5, holdRate: 5 },
    },
    machine: { cores: 2 },
  } as unknown as Results;
  assert.match(capacityCpuSection(run), /No rate passed in both ladders/);
});

test("the journey profile's added CPU is split into telemetry packages (upstream and ShopScope's own), GC, Node/V8 and the shop's own code", () => {
  // ms over the window, 10 journeys: so every per-journey figure is a tenth.
  const profile = (telemetry: 'off' | 'shopscope', byOwner: Record<string, number>): ServicesProfile => ({
    telemetry,
    workload: 'journey',
    rate: 1,
    seconds: 10,
    iterations: 10,
    services: {
      frontend: { totalMs: Object.values(byOwner).reduce((a, b) => a + b, 0), byOwner },
      'user-service': { totalMs: 10, byOwner: { express: 10 } },
      'product-service': { totalMs: 0, byOwner: {} },
      'order-service': { totalMs: 0, byOwner: {} },
    },
    byFunction: {},
  });
  const section = profileSection({
    plan: { profile: { rate: 1, warmupS: 1, seconds: 10 } },
    profile: {
      off: profile('off', { express: 300, GC: 100, 'Node/V8': 100, ejs: 90 }),
      shopscope: profile('shopscope', {
        express: 320,
        ejs: 100,
        GC: 140,
        'Node/V8': 120,
        '@opentelemetry/sdk-trace': 60,
        '@grpc/grpc-js': 30,
        '@shopscope/telemetry': 10,
        '@opentelemetry/api': 0.2,
      }),
    },
  } as unknown as Results);
  const row = (name: string) => section.split('\n').find((line) => line.startsWith(`| ${name}`));
  // off 60 ms per journey (59 in the frontend, 1 in user-service); shopscope 79.02 (78.02 + 1): +19.02.
  assert.equal(row('**the four services**'), '| **the four services** | 60.000 | 79.020 | +19.020 | 100 % |');
  assert.equal(row('**telemetry packages**'), '| **telemetry packages** | 0.000 | 10.020 | +10.020 | 53 % |');
  assert.equal(row('`@opentelemetry/sdk-trace`'), '| `@opentelemetry/sdk-trace` | 0.000 | 6.000 | +6.000 | 32 % |');
  assert.equal(
    row("`@shopscope/telemetry` (ShopScope's own)"),
    "| `@shopscope/telemetry` (ShopScope's own) | 0.000 | 1.000 | +1.000 | 5 % |",
  );
  assert.match(section, /\| other telemetry packages \(1, each under 0\.05 ms\) \| 0\.000 \| 0\.020 \| \+0\.020 \|/);
  assert.equal(row('GC'), '| GC (whoever made the garbage) | 10.000 | 14.000 | +4.000 | 21 % |');
  // express 30 + 1 (user-service) + ejs 9, against 32 + 1 + 10.
  assert.match(
    section,
    /\| the shop's code and its libraries \(Express, Sequelize, mysql2, EJS, …\) \| 40\.000 \| 43\.000 \| \+3\.000 \|/,
  );
  assert.equal(row('frontend'), '| frontend | 59.000 | 78.020 | +19.020 | 10.020 |');
  assert.match(section, /9\.0 ms upstream .* and 1\.0 ms ShopScope's own/);
  // The budget: 0.25 × 60 = 15 ms; upstream 9.02 + GC 4 = 13.0.
  assert.match(
    section,
    /would allow 15\.0 ms here; the upstream packages' own code and the garbage collection it adds come to 13\.0 ms/,
  );
});
