/**
 * The side-by-side comparisons' arithmetic (bench/results.ts, compareSideBySide): each pair
 * measured at its own moment, the configurations not beside off carried to the scale of the
 * pair ShopScope beside off through their ratio to ShopScope.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareSideBySide, type SideBySideConfig, type SideBySidePair } from './results.ts';

/** A pair measured on the journey at 3/s: each side's CPU per journey, one value per round. */
function pair(configs: [SideBySideConfig, SideBySideConfig], first: number[], second: number[]): SideBySidePair {
  return {
    configs,
    workloads: [
      {
        workload: 'journey',
        rate: 3,
        cpuMsPerIteration: [first, second],
        p99Ms: [first.map(() => 10), second.map(() => 10)],
        failures: [0, 0],
      },
    ],
  };
}

test('ShopScope with 5 s batches and zero-code are carried to the scale of ShopScope beside off', () => {
  const pairs = [
    pair(['shopscope', 'off'], [120, 140], [100, 100]), // ShopScope 130, off 100: adds 30
    // Measured at a slower minute (everything ×2): only the ratio to ShopScope is carried.
    pair(['shopscope', 'zero-code'], [260, 260], [364, 364]), // zero-code = 1.4 × ShopScope = 182: adds 82
    pair(['5 s batches', 'shopscope'], [240, 250], [260, 260]), // 245 / 260 of ShopScope = 122.5: adds 22.5
  ];
  const c = compareSideBySide(pairs, 'journey', 3);
  assert.equal(c.cpuRatio, 1.3);
  assert.ok(Math.abs(c.addedRatio - 30 / 82) < 1e-9, `added ratio ${c.addedRatio}`);
  assert.ok(Math.abs(c.slowBatchesOverShopscope - 245 / 260) < 1e-9);
  assert.ok(Math.abs(c.slowBatchesAddedRatio - (130 * (245 / 260) - 100) / 82) < 1e-9);
});

test('a pair not measured leaves its comparison NaN, not a number that looks measured', () => {
  const c = compareSideBySide([pair(['shopscope', 'off'], [120], [100])], 'journey', 3);
  assert.ok(Number.isNaN(c.slowBatchesAddedRatio));
  assert.ok(Number.isNaN(c.addedRatio));
  assert.ok(Math.abs(c.cpuRatio - 1.2) < 1e-9);
});
