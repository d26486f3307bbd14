/**
 * How a service reads another service (src/http/client.ts, src/http/answers.ts,
 * src/clients/user-directory.ts), against a stub upstream: every outage — a 5xx, a refused
 * connection, no answer in time — and every answer of the wrong status or shape becomes a
 * DependencyError (503) naming the service; the caller's API key travels only as
 * `Authorization: Bearer` and never appears in an error; UserDirectory caches only what
 * user-service confirmed, and forgets a key it refuses.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DependencyError, HttpError, ServiceClient, UserDirectory } from '@shopscope/common';
import { MessageAnswer, OutOfStockDetails } from '@shopscope/contracts';
import { detailsOf, errorOf, expectAnswer, reasonOf } from '../dist/http/answers.js';
import { StubUpstream } from './support/stub-upstream.ts';

const answer = (status: number, body: unknown) => ({ service: 'product-service', status, body });

/** Asserts `promise` rejects with a DependencyError whose message matches `pattern`. */
async function rejectsWithOutage(promise: Promise<unknown>, pattern: RegExp): Promise<DependencyError> {
  let caught: unknown;
  await assert.rejects(promise, (err) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof DependencyError, `expected a DependencyError, got ${String(caught)}`);
  assert.equal(caught.status, 503);
  assert.match(caught.message, pattern);
  return caught;
}

describe('expectAnswer and the error readers', () => {
  test('a good answer of an expected status is returned parsed', () => {
    assert.deepEqual(expectAnswer(answer(200, { message: 'ok', extra: 1 }), [200, 201], MessageAnswer), {
      message: 'ok',
    });
  });

  test('a status the call does not expect, or a wrong shape, is a 503 naming the service and the status', () => {
    assert.throws(
      () => expectAnswer(answer(404, { message: 'ok' }), 200, MessageAnswer),
      (err) =>
        err instanceof DependencyError && err.message === 'product-service unavailable: unexpected answer (HTTP 404)',
    );
    for (const body of [{ message: 42 }, 'a string', null, [1, 2]]) {
      assert.throws(
        () => expectAnswer(answer(200, body), 200, MessageAnswer),
        (err) => err instanceof DependencyError && /answered 200 in an unexpected shape/.test(err.message),
        JSON.stringify(body),
      );
    }
  });

  test('reasonOf, errorOf, detailsOf read a well-formed error and shrug at anything else', () => {
    const conflict = answer(409, {
      message: 'Laptop is out of stock',
      details: { reason: 'out_of_stock', name: 'Laptop', available: 0, product_id: 1 },
    });
    assert.equal(reasonOf(conflict), 'out_of_stock');
    assert.equal(errorOf(conflict).message, 'Laptop is out of stock');
    assert.deepEqual(detailsOf(conflict, OutOfStockDetails), { name: 'Laptop', available: 0, product_id: 1 });
    // A reason this version does not know reads as undefined; the rest of the error survives.
    const unknownReason = answer(409, { message: 'm', details: { reason: 'brand_new_reason' } });
    assert.equal(reasonOf(unknownReason), undefined);
    assert.equal(errorOf(unknownReason).message, 'm');
    // Details missing a promised fact are no details.
    assert.equal(
      detailsOf(answer(409, { message: 'm', details: { reason: 'out_of_stock' } }), OutOfStockDetails),
      undefined,
    );
    for (const body of [null, 'text', 42, [], { details: { reason: 'out_of_stock' } }]) {
      assert.deepEqual(errorOf(answer(409, body)), { message: '' }, JSON.stringify(body));
      assert.equal(reasonOf(answer(409, body)), undefined);
    }
  });
});

describe('ServiceClient against a stub upstream', () => {
  let upstream: StubUpstream;
  const apiKey = 'sekret-api-key-0123456789abcdef';
  before(async () => {
    upstream = await StubUpstream.start();
  });
  after(() => upstream?.stop());

  test('the API key goes out as Authorization: Bearer, with the JSON body', async () => {
    upstream.respond(() => ({ status: 200, json: { ok: true } }));
    const client = new ServiceClient('product-service', upstream.url);
    const response = await client.post('/api/things', { apiKey, body: { a: 1 } });
    assert.deepEqual(response, { service: 'product-service', status: 200, body: { ok: true } });
    const seen = upstream.requests.at(-1);
    assert.equal(seen?.headers.authorization, `Bearer ${apiKey}`);
    assert.equal(seen?.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(seen?.body ?? ''), { a: 1 });
  });

  test('a 5xx is a DependencyError naming the service and the status, and never the key', async () => {
    upstream.respond(() => ({ status: 502, json: { message: 'Bad gateway' } }));
    const err = await rejectsWithOutage(
      new ServiceClient('user-service', upstream.url).get('/api/user', { apiKey }),
      /^user-service unavailable: answered 502 \(Bad gateway\)$/,
    );
    assert.equal(err.dependency, 'user-service');
    assert.ok(!JSON.stringify({ message: err.message, details: err.details }).includes(apiKey));
  });

  test('a 503 naming what is unavailable behind the service keeps that name as `underlying`', async () => {
    upstream.respond(() => ({
      status: 503,
      json: {
        message: 'product-service unavailable: connection refused',
        details: { dependency: 'product-service', reason: 'dependency_unavailable' },
      },
    }));
    const err = await rejectsWithOutage(
      new ServiceClient('order-service', upstream.url).get('/api/order'),
      /^order-service unavailable: answered 503 \(product-service unavailable: connection refused\)$/,
    );
    assert.equal(err.dependency, 'order-service', 'the service called is still the one that failed');
    assert.equal(err.underlying, 'product-service');
    assert.deepEqual(err.details, { dependency: 'order-service' }, 'what this service answers is unchanged');
    // Anything but a plain name, or a 5xx other than 503, names nothing behind the service.
    for (const [status, details] of [
      [503, { dependency: '<script>' }],
      [503, { dependency: 42 }],
      [503, 'product-service'],
      [500, { dependency: 'product-service' }],
    ] as const) {
      upstream.respond(() => ({ status, json: { message: 'down', details } }));
      const other = await rejectsWithOutage(new ServiceClient('order-service', upstream.url).get('/'), /answered/);
      assert.equal(other.underlying, undefined, JSON.stringify({ status, details }));
    }
  });

  test('a 4xx is returned for the caller to read; a non-JSON body is no body, and no proxy page reaches a message', async () => {
    upstream.respond(() => ({ status: 404, text: '<html>not here</html>' }));
    const response = await new ServiceClient('x', upstream.url).get('/nope');
    assert.equal(response.status, 404);
    assert.equal(response.body, undefined);
    // Not even the loosest schema accepts it: a 200 HTML page is never a `{message}` answer.
    upstream.respond(() => ({ status: 200, text: '<html>login portal</html>' }));
    const page = await new ServiceClient('x', upstream.url).get('/');
    assert.throws(() => expectAnswer(page, 200, MessageAnswer), DependencyError);
    upstream.respond(() => ({ status: 503, text: '<html>proxy error</html>' }));
    await rejectsWithOutage(new ServiceClient('x', upstream.url).get('/'), /^x unavailable: answered 503$/);
  });

  test('an answer cut off halfway is an outage, not an empty answer', async () => {
    // A status line and half a body, then the connection dies (a crash, a reset).
    const server = createServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"message":"Product not');
      setTimeout(() => res.destroy(), 20);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await rejectsWithOutage(
        new ServiceClient('x', `http://127.0.0.1:${port}`, 500).get('/api/product/1'),
        /^x unavailable: answer cut off/,
      );
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('a refused connection is a DependencyError "connection refused"', async () => {
    const closed = await StubUpstream.start();
    await closed.stop();
    await rejectsWithOutage(
      new ServiceClient('order-service', closed.url).get('/', { apiKey }),
      /^order-service unavailable: connection refused$/,
    );
  });

  test('no answer in time is a DependencyError "no answer within 200 ms", promptly', async () => {
    upstream.respond(() => 'hang');
    const started = Date.now();
    await rejectsWithOutage(
      new ServiceClient('x', upstream.url, 200).get('/slow', { apiKey }),
      /^x unavailable: no answer within 200 ms$/,
    );
    assert.ok(Date.now() - started < 1500, 'the timeout is honoured');
  });
});

describe('UserDirectory', () => {
  let users: StubUpstream;
  const ann = {
    id: 1,
    username: 'ann',
    email: 'ann@example.com',
    first_name: 'Ann',
    last_name: 'Lee',
    is_admin: false,
    created_at: '2024-01-02T03:04:05.000Z',
  };
  before(async () => {
    users = await StubUpstream.start();
  });
  after(() => users?.stop());
  const asked = () => users.requests.length;
  const directory = (options = {}) => new UserDirectory(new ServiceClient('user-service', users.url, 500), options);

  test('a positive answer is cached: two identify calls, one request; fresh asks again', async () => {
    users.respond(() => ({ status: 200, json: { result: ann } }));
    const dir = directory();
    const before = asked();
    assert.deepEqual(await dir.identify('key-aaaaaaaaaaaaaaaa'), ann);
    assert.deepEqual(await dir.identify('key-aaaaaaaaaaaaaaaa'), ann);
    assert.equal(asked() - before, 1);
    assert.equal(users.requests.at(-1)?.headers.authorization, 'Bearer key-aaaaaaaaaaaaaaaa');
    await dir.identify('key-aaaaaaaaaaaaaaaa', { fresh: true });
    assert.equal(asked() - before, 2);
    // Another key is another caller.
    await dir.identify('key-bbbbbbbbbbbbbbbb');
    assert.equal(asked() - before, 3);
  });

  test('a cached answer expires after ttlMs; the oldest entry goes beyond maxEntries', async () => {
    users.respond(() => ({ status: 200, json: { result: ann } }));
    const dir = directory({ ttlMs: 30, maxEntries: 1 });
    const before = asked();
    await dir.identify('key-aaaaaaaaaaaaaaaa');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await dir.identify('key-aaaaaaaaaaaaaaaa');
    assert.equal(asked() - before, 2, 'expired');
    await dir.identify('key-bbbbbbbbbbbbbbbb'); // evicts key a
    await dir.identify('key-aaaaaaaaaaaaaaaa');
    assert.equal(asked() - before, 4, 'evicted');
  });

  test('401 or 403 is a 401 and forgets the cached user', async () => {
    for (const status of [401, 403]) {
      const dir = directory();
      users.respond(() => ({ status: 200, json: { result: ann } }));
      await dir.identify('key-revoked-00000000');
      users.respond(() => ({ status, json: { message: 'Invalid or revoked API key' } }));
      await assert.rejects(
        dir.identify('key-revoked-00000000', { fresh: true }),
        (err) => err instanceof HttpError && !(err instanceof DependencyError) && err.status === 401,
      );
      // Forgotten: the next (non-fresh) call asks again instead of answering from the cache.
      const before = asked();
      await assert.rejects(
        dir.identify('key-revoked-00000000'),
        (err) => err instanceof HttpError && err.status === 401,
      );
      assert.equal(asked() - before, 1, `after a ${status}`);
    }
  });

  test('an answer of the wrong shape or status is a DependencyError, and is not cached', async () => {
    const dir = directory();
    for (const wrong of [{ result: { ...ann, id: 'one' } }, { user: ann }, {}]) {
      users.respond(() => ({ status: 200, json: wrong }));
      await rejectsWithOutage(
        dir.identify('key-cccccccccccccccc'),
        /^user-service unavailable: answered 200 in an unexpected shape$/,
      );
    }
    users.respond(() => ({ status: 404, json: { message: 'No route' } }));
    await rejectsWithOutage(dir.identify('key-cccccccccccccccc'), /unexpected answer \(HTTP 404\)/);
  });
});
