/**
 * The route every service gives its HTTP server span and duration metric
 * (services/common/src/http/route-name.ts), now that the Express instrumentation no longer
 * does: the http instrumentation reads it from its RPC metadata when the response closes.
 * Here the metadata is set as the http instrumentation sets it, on the request's context,
 * and read back after the close — for a success, a refusal thrown by the route, a 404 that
 * matched no route, and a route answered after an await.
 */
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type Context, type ContextManager, context, ROOT_CONTEXT } from '@opentelemetry/api';
import { type RPCMetadata, RPCType, setRPCMetadata } from '@opentelemetry/core';
import { createServiceApp, HttpError } from '@shopscope/common';
import { Router } from 'express';
import pino from 'pino';

/** The smallest context manager the API accepts (the SDK's does the same on AsyncLocalStorage). */
class StorageContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}

describe('the route of each request, for its span and duration metric', () => {
  let server: Server;
  let url: string;
  /** The RPC metadata of each request, by path, once its response has closed. */
  const closed = new Map<string, RPCMetadata>();

  before(async () => {
    context.setGlobalContextManager(new StorageContextManager());
    const service = createServiceApp({
      name: 'test',
      logger: pino({ level: 'silent' }),
      readiness: async () => undefined,
      adminToken: undefined,
    });
    const things = Router();
    things.get('/things/:id', (_req, res) => {
      res.json({ ok: true });
    });
    things.get('/slow/:id', async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      res.json({ ok: true });
    });
    things.post('/things/:id/refuse', () => {
      throw new HttpError(409, 'refused');
    });
    service.app.use(things);
    service.finish();
    server = createServer((req, res) => {
      // What the http instrumentation does for every incoming request.
      const rpc: RPCMetadata = { type: RPCType.HTTP, span: undefined as never };
      res.on('close', () => closed.set(`${req.method} ${req.url}`, { ...rpc }));
      context.with(setRPCMetadata(ROOT_CONTEXT, rpc), () => service.app(req, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    context.disable();
  });

  async function routeOf(method: string, path: string, expectedStatus: number): Promise<string | undefined> {
    const res = await fetch(`${url}${path}`, { method });
    assert.equal(res.status, expectedStatus);
    await res.arrayBuffer();
    // The close event follows the last byte.
    for (let i = 0; i < 50 && !closed.has(`${method} ${path}`); i++) await new Promise((r) => setTimeout(r, 10));
    const rpc = closed.get(`${method} ${path}`);
    assert.ok(rpc, `${method} ${path}: the response closed`);
    return rpc.route;
  }

  it('names the matched route, not the path', async () => {
    assert.equal(await routeOf('GET', '/things/42', 200), '/things/:id');
  });

  it('names it when the handler answers after an await', async () => {
    assert.equal(await routeOf('GET', '/slow/7', 200), '/slow/:id');
  });

  it('names it when the route refuses the request (the error handler answers)', async () => {
    assert.equal(await routeOf('POST', '/things/42/refuse', 409), '/things/:id/refuse');
  });

  it('names none when no route matched (404), rather than the raw path', async () => {
    assert.equal(await routeOf('GET', '/nowhere/at/all', 404), undefined);
  });
});
