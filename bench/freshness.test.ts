/**
 * The metric freshness wait (bench/freshness.ts) compares the route's counter series by
 * series: a restarted service's old series vanishing must not hide the new request.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { counterGrew } from './freshness.ts';

const old = '{"service_instance_id":"a"}';
const current = '{"service_instance_id":"b"}';

test('a series that counts one more has grown', () => {
  assert.equal(
    counterGrew(
      new Map([
        [old, 900],
        [current, 10],
      ]),
      new Map([
        [old, 900],
        [current, 11],
      ]),
    ),
    true,
  );
});

test("an old instance's series vanishing while the current one grows still counts as grown", () => {
  assert.equal(
    counterGrew(
      new Map([
        [old, 35_000],
        [current, 622],
      ]),
      new Map([[current, 623]]),
    ),
    true,
  );
});

test('a series seen for the first time has grown from zero', () => {
  assert.equal(
    counterGrew(
      new Map([[old, 900]]),
      new Map([
        [old, 900],
        [current, 1],
      ]),
    ),
    true,
  );
});

test('nothing new counted, or a series vanishing, is not growth', () => {
  assert.equal(
    counterGrew(
      new Map([
        [old, 900],
        [current, 10],
      ]),
      new Map([
        [old, 900],
        [current, 10],
      ]),
    ),
    false,
  );
  assert.equal(
    counterGrew(
      new Map([
        [old, 900],
        [current, 10],
      ]),
      new Map([[current, 10]]),
    ),
    false,
  );
});
