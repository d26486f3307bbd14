/**
 * The request log of every service (services/common/src/http/app.ts): at the default level
 * a successful request writes no line — its span and the request duration metric record it
 * — while a refused (4xx) or failed (5xx) one does; LOG_LEVEL=debug brings the line per
 * successful request back.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createServiceApp, HttpError } from '@shopscope/common';
import pino from 'pino';

interface Line {
  level: number;
  msg: string;
  status?: number;
  route?: string;
}

/** A service app whose logger writes JSON lines into `lines`, with a route for each outcome. */
async function serviceWithLog(level: string): Promise<{ url: string; lines: Line[]; server: Server }> {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const text of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  const service = createServiceApp({
    name: 'test',
    logger: pino({ level }, sink),
    readiness: async () => undefined,
    adminToken: undefined,
  });
  service.app.get('/ok/:id', (_req, res) => {
    res.json({ ok: true });
  });
  service.app.get('/boom', () => {
    throw new HttpError(503, 'down for the test');
  });
  const server = service.finish().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lines, server };
}

async function get(url: string): Promise<number> {
  const response = await fetch(url);
  await response.arrayBuffer();
  // The line is written on the response's `finish`, which may follow the client's read.
  await new Promise((resolve) => setTimeout(resolve, 20));
  return response.status;
}

for (const level of ['info', 'debug']) {
  describe(`the request log at LOG_LEVEL=${level}`, () => {
    let service: Awaited<ReturnType<typeof serviceWithLog>>;
    before(async () => {
      service = await serviceWithLog(level);
    });
    after(() => new Promise<void>((resolve) => service.server.close(() => resolve())));

    it(
      level === 'info' ? 'writes no line for a successful request' : 'writes a line per successful request',
      async () => {
        assert.equal(await get(`${service.url}/ok/7`), 200);
        const completed = service.lines.filter((l) => l.msg === 'request completed');
        if (level === 'info') assert.deepEqual(completed, []);
        else {
          assert.equal(completed.length, 1);
          assert.equal(completed[0]?.route, '/ok/:id');
          assert.equal(completed[0]?.level, 20, 'at debug');
        }
      },
    );

    it('writes a warning for a refused request and an error for a failed one', async () => {
      assert.equal(await get(`${service.url}/nowhere`), 404);
      assert.equal(await get(`${service.url}/boom`), 503);
      const rejected = service.lines.find((l) => l.msg === 'request rejected');
      const failed = service.lines.find((l) => l.msg === 'request failed');
      assert.equal(rejected?.status, 404);
      assert.equal(rejected?.level, 40, 'warn');
      assert.equal(failed?.status, 503);
      assert.equal(failed?.level, 50, 'error');
    });
  });
}
