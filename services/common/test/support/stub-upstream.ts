/**
 * A stand-in for another ShopScope service in the unit tests: a real HTTP server on a free
 * loopback port whose answers the test sets per request (status, JSON or raw text, or no
 * answer at all), and which records what it was asked. It speaks HTTP, not the service's
 * behaviour: what the real service answers is proven by the process-level tests (tests/src).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** What the stub answers: JSON, raw text (e.g. garbage), or `hang` (never answers). */
export type StubAnswer = { status: number; json?: unknown; text?: string } | 'hang';

export type StubHandler = (request: StubRequest) => StubAnswer;

export class StubUpstream {
  readonly requests: StubRequest[] = [];
  private handler: StubHandler = () => ({ status: 404, json: { message: 'not stubbed' } });
  private readonly hanging = new Set<ServerResponse>();

  private readonly server: Server;
  /** `http://127.0.0.1:<port>`: what the service under test is configured with. */
  readonly url: string;

  private constructor(server: Server, url: string) {
    this.server = server;
    this.url = url;
  }

  static async start(): Promise<StubUpstream> {
    let stub: StubUpstream | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => stub?.handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    stub = new StubUpstream(server, `http://127.0.0.1:${port}`);
    return stub;
  }

  /** Sets how every following request is answered. */
  respond(handler: StubHandler): void {
    this.handler = handler;
  }

  private handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const request = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body };
    this.requests.push(request);
    const answer = this.handler(request);
    if (answer === 'hang') {
      this.hanging.add(res);
      return;
    }
    if (answer.text !== undefined) {
      res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.text);
    } else {
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.json ?? {}));
    }
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
