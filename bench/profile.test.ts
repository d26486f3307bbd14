/**
 * How bench/profile.ts charges a CPU profile's samples: to the innermost frame a package
 * or the shop owns, inside the measured window only. A hand-made profile, so the expected
 * figures are known exactly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ownerOf, summarise } from './profile.ts';

test('a script belongs to its innermost node_modules package, or to the shop workspace it is in', () => {
  assert.equal(ownerOf('file:///app/node_modules/express/lib/router/index.js'), 'express');
  assert.equal(ownerOf('file:///app/node_modules/@grpc/grpc-js/build/src/call.js'), '@grpc/grpc-js');
  assert.equal(ownerOf('file:///app/node_modules/a/node_modules/@opentelemetry/core/x.js'), '@opentelemetry/core');
  assert.equal(ownerOf('file:///work/main/services/product/dist/app.js'), '@shopscope/product');
  assert.equal(ownerOf('node:internal/streams/writable'), undefined);
  assert.equal(ownerOf(''), undefined);
});

test("Node's work is charged to the package that called it; GC has its own row; idle time and samples outside the window are not counted", () => {
  const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
  const profile = {
    startTime: 1_000,
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 5, 6, 7] },
      { id: 2, callFrame: frame('handle', 'file:///app/node_modules/express/lib/router.js'), children: [3] },
      { id: 3, callFrame: frame('writev', 'node:internal/stream'), children: [4] },
      { id: 4, callFrame: frame('write', 'file:///app/node_modules/@grpc/grpc-js/build/src/call.js') },
      { id: 5, callFrame: frame('(garbage collector)', '') },
      { id: 6, callFrame: frame('(idle)', '') },
      { id: 7, callFrame: frame('(program)', '') },
    ],
    // One sample every 500 µs, at 1500, 2000, … 4500; each stands for the 0.5 ms before it.
    samples: [2, 3, 4, 5, 6, 7, 3],
    timeDeltas: [500, 500, 500, 500, 500, 500, 500],
  };
  const summary = summarise(profile, 1_800, 4_200);
  assert.deepEqual(
    Object.fromEntries(summary.byOwner),
    { express: 0.5, '@grpc/grpc-js': 0.5, GC: 0.5, 'Node/V8': 0.5 },
    'the writev under express is express; 1500 and 4500 are outside the window; idle is not CPU',
  );
  assert.equal(summary.totalMs, 2);
  assert.equal(summary.byFunction.get('express handle router.js:1'), 0.5);
  assert.equal(summary.byFunction.get('Node/V8 (program)'), 0.5, 'work no package asked for, by its own frame');
});
