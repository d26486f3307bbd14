/** ExpiringMap (src/expiring-map.ts): entries read back until they expire, and the map never holds more than its bound. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExpiringMap } from '@shopscope/common';

test('an entry reads back until its time is up, then reads as absent', () => {
  const map = new ExpiringMap<string, number>(1_000, 10);
  map.set('a', 1, 5_000);
  assert.equal(map.get('a', 5_999), 1);
  assert.equal(map.get('a', 6_000), undefined);
  map.set('a', 2, 6_000);
  assert.equal(map.get('a', 6_500), 2, 'storing again renews the entry');
  map.delete('a');
  assert.equal(map.get('a', 6_500), undefined);
});

test('past its bound, the least recently stored entry is forgotten first', () => {
  const map = new ExpiringMap<number, string>(60_000, 3);
  for (const key of [1, 2, 3]) map.set(key, `v${key}`, 0);
  map.set(1, 'v1 again', 0); // 1 becomes the youngest, 2 the oldest
  map.set(4, 'v4', 0);
  assert.equal(map.get(2, 0), undefined);
  assert.deepEqual(
    [1, 3, 4].map((key) => map.get(key, 0)),
    ['v1 again', 'v3', 'v4'],
  );
});
