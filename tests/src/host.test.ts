/**
 * Where a service listens (services/common/src/http/serve.ts): on loopback unless HOST says
 * otherwise, so a service started by hand is not reachable from other machines. Containers
 * set HOST=0.0.0.0 (services/Dockerfile, docker-compose.yml).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import os from 'node:os';
import { after, before, describe, it } from 'node:test';
import { MariaDb } from './harness/mariadb.ts';
import { type ServiceProcess, startService } from './harness/services.ts';

/** The machine's first non-loopback IPv4 address, if it has one. */
function externalIPv4(): string | undefined {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return undefined;
}

/** 'open' if a TCP connection to host:port is accepted, otherwise the error code (ECONNREFUSED…). */
function connect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 3_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('open');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('ETIMEDOUT');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

const external = externalIPv4();
const skip = external ? false : 'this machine has no non-loopback IPv4 address to connect from';
const OFF = { OTEL_SDK_DISABLED: 'true' };
const FRONTEND_ENV = {
  ...OFF,
  // Never called: the frontend is ready without its backends.
  USER_SERVICE_URL: 'http://127.0.0.1:9',
  PRODUCT_SERVICE_URL: 'http://127.0.0.1:9',
  ORDER_SERVICE_URL: 'http://127.0.0.1:9',
  SESSION_SECRET: 'test-session-secret-0123456789abcdef',
};

describe('HOST', { skip }, () => {
  let db: MariaDb | undefined;
  const started: ServiceProcess[] = [];

  before(async () => {
    db = await MariaDb.start();
  });

  after(async () => {
    await Promise.all(started.map((s) => s.stop()));
    await db?.destroy();
  });

  async function start(name: 'user' | 'frontend', options: { omitHost?: boolean; host?: string }) {
    const env: Record<string, string> =
      name === 'frontend'
        ? { ...FRONTEND_ENV }
        : { ...OFF, DATABASE_URL: await db!.createDatabase(`host_${started.length}`) };
    if (options.host) env.HOST = options.host;
    const service = await startService(name, env, { omitHost: options.omitHost });
    started.push(service);
    return service;
  }

  for (const name of ['user', 'frontend'] as const) {
    it(`${name}: without HOST it listens on loopback only`, async () => {
      const service = await start(name, { omitHost: true });
      assert.equal(service.env.HOST, undefined);
      const listening = service.logs.find((entry) => entry.msg === 'listening');
      assert.equal(listening?.host, '127.0.0.1', 'it says where it listens');
      assert.equal(await connect('127.0.0.1', service.port), 'open');
      assert.equal((await fetch(`${service.url}/healthz`)).status, 200);
      assert.equal(
        await connect(external!, service.port),
        'ECONNREFUSED',
        `${external}:${service.port} is not reachable`,
      );
    });
  }

  it('with HOST=0.0.0.0 (as in the containers) the other addresses reach it too', async () => {
    // The counterpart of the tests above: proves this machine can connect to its own
    // non-loopback address, so the refusals above come from the service, not the network.
    const service = await start('frontend', { host: '0.0.0.0' });
    assert.equal(await connect(external!, service.port), 'open');
    assert.equal((await fetch(`http://${external}:${service.port}/healthz`)).status, 200);
  });
});
