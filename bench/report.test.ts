/**
 * Section 6 of the report (bench/report.ts): the last compose rehearsal's container
 * figures beside the native ones, or a sentence saying there are none.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ComposeFigures } from '../tools/stack/compose-figures.ts';
import { containersSection } from './report.ts';
import type { Results } from './results.ts';

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
