/**
 * Runs ShopScope services as real processes, the way `npm start` does
 * (`node --require @shopscope/telemetry/register dist/main.js`), on free loopback ports.
 * The services must be built first (`npm run build` at the repo root).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN, INTERNAL_TOKEN } from '../../../tools/stack/services.ts';
import { freePort, waitFor } from './ports.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export type ServiceName = 'user' | 'product' | 'order' | 'frontend';
// The test credentials: one definition for the app tests and the stack harness alike.
export { ADMIN_TOKEN, INTERNAL_TOKEN };

/**
 * services/runtime.env: the heap and allocator settings every service process runs with
 * (docker-compose.yml passes the same file to the containers).
 */
export function serviceRuntimeEnv(file = path.join(REPO_ROOT, 'services/runtime.env')): Record<string, string> {
  return parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
}

export class ServiceProcess {
  private child: ChildProcess | undefined;
  /** Every stdout line (the JSON logs) and stderr line, for assertions. */
  readonly lines: string[] = [];
  exitCode: number | null = null;

  readonly name: ServiceName;
  readonly port: number;
  readonly env: Record<string, string>;
  /** Start without HOST in the environment (the service's own default applies). */
  readonly omitHost: boolean;

  constructor(name: ServiceName, port: number, env: Record<string, string>, { omitHost = false } = {}) {
    this.name = name;
    this.port = port;
    this.env = env;
    this.omitHost = omitHost;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Parsed JSON log lines. */
  get logs(): Array<Record<string, unknown>> {
    return this.lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  async start({ waitReady = true } = {}): Promise<this> {
    this.exitCode = null;
    const child = spawn(process.execPath, ['--require', '@shopscope/telemetry/register', 'dist/main.js'], {
      cwd: path.join(REPO_ROOT, 'services', this.name),
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        ...serviceRuntimeEnv(),
        HOST: '127.0.0.1',
        PORT: String(this.port),
        LOG_LEVEL: 'info',
        ADMIN_TOKEN,
        INTERNAL_TOKEN,
        ...this.env,
        ...(this.omitHost ? { HOST: undefined } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let partial = '';
    const collect = (chunk: Buffer) => {
      partial += chunk.toString();
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      this.lines.push(...parts.filter(Boolean));
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('exit', (code, signal) => {
      this.exitCode = code ?? (signal ? 128 : -1);
    });
    if (waitReady) await this.waitReady();
    return this;
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    await waitFor(
      `${this.name} ready on ${this.url}`,
      async () => {
        if (this.exitCode !== null) {
          throw new Error(`${this.name} exited with ${this.exitCode}:\n${this.lines.slice(-20).join('\n')}`);
        }
        const res = await fetch(`${this.url}/readyz`);
        return res.status === 200 ? true : undefined;
      },
      { timeoutMs, intervalMs: 150 },
    );
  }

  /** Stops the process with a signal and waits for it to exit; returns its exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.child;
    if (!child || this.exitCode !== null) return this.exitCode;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
    return this.exitCode;
  }
}

export async function startService(
  name: ServiceName,
  env: Record<string, string>,
  options: { waitReady?: boolean; port?: number; omitHost?: boolean } = {},
): Promise<ServiceProcess> {
  const service = new ServiceProcess(name, options.port ?? (await freePort()), env, { omitHost: options.omitHost });
  return service.start({ waitReady: options.waitReady ?? true });
}
