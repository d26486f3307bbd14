/**
 * Runs the coursework scripts of scripts/ (failure scripts, validate.sh) against the native
 * stack of native-stack.ts, for failure-scripts.test.ts and validate.test.ts.
 *
 * The scripts reach the stack over HTTP through the URLs of their environment, exactly as
 * on a laptop. What they do with `docker compose kill|stop|start <name>` is done here by a
 * small HTTP control server: the scripts get SHOPSCOPE_KILL_CMD / _STOP_CMD / _START_CMD
 * set to `native-control.sh kill|stop|start`, which POSTs /<action>/<name> to it, and the
 * server calls the NativeStack method that does the same to the native process:
 *
 *   kill  frontend|user-service|product-service|order-service  → stopService(name, SIGKILL)
 *   stop  <a service>                                           → stopService(name, SIGTERM)
 *   stop  user-db|product-db|order-db                           → stopDatabase()
 *   stop  otel-collector                                        → stopCollector()
 *   start <any of the above>                                    → startService / startDatabase / startCollector
 *
 * One difference from compose: natively one MariaDB server holds the three databases, so
 * stopping any `*-db` stops all three (each service then reports its database missing).
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { repoPath, repoRoot } from './lib.ts';
import { ADMIN_TOKEN, type NativeStack, SERVICE_NAMES, type ServiceName } from './native-stack.ts';

const DATABASES = ['user-db', 'product-db', 'order-db'];
const COLLECTOR = 'otel-collector';

function isService(name: string): name is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(name);
}

export class NativeControl {
  /** What was done, in order ("kill order-service"), for assertions. */
  readonly actions: string[] = [];
  private readonly stack: NativeStack;
  private readonly server: http.Server;

  private constructor(stack: NativeStack) {
    this.stack = stack;
    this.server = http.createServer((req, res) => {
      const [, action = '', name = ''] = (req.url ?? '').split('/');
      if (req.method !== 'POST') {
        res.writeHead(405).end('POST /<action>/<name>\n');
        return;
      }
      this.perform(action, decodeURIComponent(name)).then(
        (done) => {
          res.writeHead(done ? 200 : 404, { 'content-type': 'text/plain' });
          res.end(done ? `${action} ${name}: done\n` : `no such action or name: ${action} ${name}\n`);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`${action} ${name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
        },
      );
    });
  }

  static async start(stack: NativeStack): Promise<NativeControl> {
    const control = new NativeControl(stack);
    await new Promise<void>((resolve, reject) => {
      control.server.once('error', reject);
      control.server.listen(0, '127.0.0.1', () => resolve());
    });
    return control;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The control commands for the scripts, as a learner would override them. */
  commandEnv(): Record<string, string> {
    const helper = repoPath('tests/stack/native-control.sh');
    return {
      SHOPSCOPE_NATIVE_CONTROL_PORT: String(this.port),
      SHOPSCOPE_KILL_CMD: `${helper} kill`,
      SHOPSCOPE_STOP_CMD: `${helper} stop`,
      SHOPSCOPE_START_CMD: `${helper} start`,
    };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Returns false for an unknown action or name. */
  private async perform(action: string, name: string): Promise<boolean> {
    const stack = this.stack;
    let run: (() => Promise<void>) | undefined;
    if (isService(name)) {
      if (action === 'kill') run = () => stack.stopService(name, 'SIGKILL');
      if (action === 'stop') run = () => stack.stopService(name, 'SIGTERM');
      if (action === 'start') run = () => stack.startService(name);
    } else if (DATABASES.includes(name)) {
      if (action === 'stop') run = () => stack.stopDatabase();
      // Idempotent like `docker compose start`: the three names share one server here.
      if (action === 'start') run = async () => (stack.db?.running ? undefined : stack.startDatabase());
    } else if (name === COLLECTOR) {
      if (action === 'stop') run = () => stack.stopCollector();
      if (action === 'start') run = () => stack.startCollector();
    }
    if (!run) return false;
    this.actions.push(`${action} ${name}`);
    await run();
    return true;
  }
}

/** The environment a learner's laptop gives the scripts, pointing at the native stack. */
export function stackEnv(stack: NativeStack, extra: Record<string, string> = {}): Record<string, string> {
  return {
    FRONTEND_URL: stack.service('frontend').url,
    USER_SERVICE_URL: stack.service('user-service').url,
    PRODUCT_SERVICE_URL: stack.service('product-service').url,
    ORDER_SERVICE_URL: stack.service('order-service').url,
    PROMETHEUS_URL: stack.prometheusUrl,
    ALERTMANAGER_URL: stack.alertmanagerUrl,
    JAEGER_URL: stack.jaegerUrl,
    LOKI_URL: stack.lokiUrl,
    COLLECTOR_HEALTH_URL: stack.collectorHealthUrl,
    ADMIN_TOKEN,
    ...extra,
  };
}

export interface ScriptResult {
  /** Exit code; null when it was killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr, interleaved as they arrived. */
  output: string;
  durationMs: number;
}

/**
 * Runs `bash scripts/<script> <args>` from the repository root with only the given
 * environment (plus PATH and HOME), asynchronously so that the control server keeps
 * answering meanwhile. After `timeoutMs` it is sent SIGTERM (its trap restores what it
 * broke), then SIGKILL 60 s later.
 */
export function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
  {
    timeoutMs,
    onLine,
  }: {
    timeoutMs: number;
    /** Called with each line of output, and a function to send the script a signal (Ctrl-C is SIGINT). */
    onLine?: (line: string, signal: (signal: NodeJS.Signals) => void) => void;
  },
): Promise<ScriptResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [repoPath('scripts', script), ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let partial = '';
    const sendSignal = (name: NodeJS.Signals) => child.kill(name);
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      if (!onLine) return;
      partial += text;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line, sendSignal);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const term = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 60_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(term);
      clearTimeout(kill);
      if (onLine && partial) onLine(partial, sendSignal);
      resolve({ code, signal, output, durationMs: Date.now() - started });
    });
  });
}
