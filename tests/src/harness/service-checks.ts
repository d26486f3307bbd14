/**
 * Checks every ShopScope service must pass (docs/development.md, "Service conventions"),
 * written once so each service's test file runs the same assertions.
 */
import assert from 'node:assert/strict';
import { call, type JsonResponse } from './http.ts';
import type { MariaDb } from './mariadb.ts';
import { waitFor } from './ports.ts';
import { ADMIN_TOKEN, type ServiceName, type ServiceProcess, startService } from './services.ts';

/**
 * The fault API: 401 without the admin token; `error_rate: 1` turns `probePath` into real
 * 500s; a `route` pattern limits the fault to matching paths; DELETE puts everything back.
 */
export async function checkFaultApi(service: ServiceProcess, probePath: string): Promise<void> {
  const admin = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };
  assert.equal((await call(service.url, 'GET', '/admin/faults')).status, 401);
  assert.equal((await call(service.url, 'PUT', '/admin/faults', { body: { error_rate: 1 } })).status, 401);
  assert.equal(
    (await call(service.url, 'GET', '/admin/faults', { headers: { authorization: 'Bearer wrong-token-000000' } }))
      .status,
    401,
  );

  const bad = await call(service.url, 'PUT', '/admin/faults', { ...admin, body: { error_rate: 2 } });
  assert.equal(bad.status, 400);
  assert.ok(bad.body.details.fields.error_rate);

  const set = await call(service.url, 'PUT', '/admin/faults', { ...admin, body: { error_rate: 1 } });
  assert.equal(set.status, 200);
  assert.equal(set.body.result.error_rate, 1);
  try {
    const faulty = await call(service.url, 'GET', probePath);
    assert.equal(faulty.status, 500);
    assert.match(faulty.body.message, /injected fault/i);
    // Probes are never faulted: the point is to see errors, not to have the service killed.
    assert.equal((await call(service.url, 'GET', '/healthz')).status, 200);

    await call(service.url, 'PUT', '/admin/faults', { ...admin, body: { error_rate: 1, route: '/nowhere/*' } });
    assert.equal((await call(service.url, 'GET', probePath)).status, 200, 'a fault limited to other routes');
  } finally {
    const reset = await call(service.url, 'DELETE', '/admin/faults', admin);
    assert.equal(reset.status, 200);
    assert.deepEqual(reset.body.result, { latency_ms: 0, jitter_ms: 0, error_rate: 0 });
  }
  assert.equal((await call(service.url, 'GET', probePath)).status, 200);
}

/**
 * Stops the database under a running service: /readyz answers 503 naming the database and
 * each probe (an API call that needs the database) answers 503 with a message, never a 500
 * or a hang. Once the database is back, all recover without restarting the service.
 */
export async function checkDatabaseOutage(
  db: MariaDb,
  service: ServiceProcess,
  probe: (() => Promise<JsonResponse>) | Array<() => Promise<JsonResponse>>,
): Promise<void> {
  const probes = Array.isArray(probe) ? probe : [probe];
  await db.stopServer();
  try {
    const ready = await call(service.url, 'GET', '/readyz');
    assert.equal(ready.status, 503);
    assert.match(ready.body.message, /database/i);
    for (const send of probes) {
      const started = Date.now();
      const res = await send();
      assert.equal(res.status, 503, `expected 503 during the outage, got ${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(typeof res.body.message, 'string');
      assert.ok(Date.now() - started < 10_000, 'the 503 comes promptly, not after a long hang');
    }
    assert.equal(service.exitCode, null, 'the service keeps running');
  } finally {
    await db.startServer();
  }
  await waitFor('readiness after the database is back', async () => {
    const res = await call(service.url, 'GET', '/readyz');
    return res.status === 200 || undefined;
  });
  for (const send of probes) {
    await waitFor('the API after the database is back', async () => {
      const res = await send();
      return (res.status >= 200 && res.status < 300) || undefined;
    });
  }
}

/** SIGTERM: the service drains, closes its pool and exits 0. */
export async function checkGracefulStop(service: ServiceProcess): Promise<void> {
  assert.equal(await service.stop('SIGTERM'), 0);
  assert.ok(
    service.logs.some((line) => line.msg === 'stopped'),
    'logs "stopped" after releasing its resources',
  );
}

/**
 * Starts two replicas at the same moment against one (empty) database, as
 * `docker compose up --scale` would: both must migrate/seed safely and become ready.
 * The caller stops them.
 */
export async function startTwoAtOnce(name: ServiceName, env: Record<string, string>): Promise<ServiceProcess[]> {
  const replicas = await Promise.all([
    startService(name, env, { waitReady: false }),
    startService(name, env, { waitReady: false }),
  ]);
  try {
    await Promise.all(replicas.map((replica) => replica.waitReady()));
  } catch (err) {
    await Promise.all(replicas.map((replica) => replica.stop()));
    throw err;
  }
  return replicas;
}

/** Bodies a careless or hostile client might send; none may cause a 5xx. */
const GARBAGE_BODIES: Array<{ rawBody: string; contentType?: string }> = [
  { rawBody: '{' },
  { rawBody: '{"a":}' },
  { rawBody: 'null' },
  { rawBody: '[]' },
  { rawBody: '[{"x":1}]' },
  { rawBody: '"text"' },
  { rawBody: '12345' },
  { rawBody: '{"__proto__":{"admin":true}}' },
  { rawBody: JSON.stringify({ a: { b: { c: { d: [1, 2, { e: null }] } } } }) },
  {
    rawBody: JSON.stringify({
      username: null,
      password: 1e308,
      email: [],
      order_ref: {},
      items: [{ product_id: -1e20, quantity: '1e3' }, null, 'x'],
      name: true,
      price_cents: 'NaN',
      stock: Number.MAX_SAFE_INTEGER + 2,
    }),
  },
  { rawBody: '\u0000\u0001\u0002' },
  { rawBody: 'username=a&username=b&items=1&items[0][product_id]=1', contentType: 'application/x-www-form-urlencoded' },
  { rawBody: '<xml/>', contentType: 'application/xml' },
  { rawBody: '{"a":1}', contentType: 'application/json; charset=utf-16' },
];

/**
 * Sends every garbage body to every `[method, path]`: the answers must all be 4xx (or a
 * 2xx where the body does not matter), never a 5xx, and the service must still be alive.
 */
export async function checkGarbageNeverFails(
  service: ServiceProcess,
  endpoints: Array<[string, string]>,
  headers: Record<string, string> = {},
): Promise<void> {
  for (const [method, path] of endpoints) {
    for (const { rawBody, contentType = 'application/json' } of GARBAGE_BODIES) {
      const res = await call(service.url, method, path, {
        rawBody,
        headers: { ...headers, 'content-type': contentType },
      });
      assert.ok(res.status < 500, `${method} ${path} with ${JSON.stringify(rawBody)} answered ${res.status}`);
    }
  }
  assert.equal((await call(service.url, 'GET', '/healthz')).status, 200);
}
