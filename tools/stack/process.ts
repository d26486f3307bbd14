/**
 * The one process supervisor of the native stack: every process it runs (the backends, the
 * Loki stand-in, the four services) is a `Supervised` — spawned with only the environment
 * given, its output captured (into a log file by the OS, or piped and the last lines kept in
 * memory), waited for until its readiness URL answers, stopped (SIGTERM, then SIGKILL after a
 * grace period), and watched: `problem()` says when it has died without being stopped, so
 * that waits elsewhere stop at once. An exit guard SIGKILLs whatever is still running if the
 * Node process exits without stopping it (a crashed test), including processes started by
 * other code whose pid is registered with `guardPid` (the MariaDB server).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { httpOk, until } from './wait.ts';

export interface ProcessSpec {
  /** Its name in messages (and, by convention, of its log file). */
  name: string;
  command: string;
  args: string[];
  cwd: string;
  /** Its environment, over PATH and HOME only: nothing else of this process leaks in. Undefined values are left out. */
  env?: Record<string, string | undefined>;
  /** Output written straight into this file (appended to across restarts)… */
  logFile?: string;
  /** …or, without a log file, piped, with the last `keepLines` lines kept in `lines` (default 2,000). */
  keepLines?: number;
  /** `ready()` waits until this URL answers 2xx. */
  readyUrl?: string;
  readyTimeoutMs?: number;
  readyIntervalMs?: number;
  /** `stop()` sends SIGKILL after this long if the process has not exited (default 10 s). */
  stopGraceMs?: number;
}

const live = new Set<ChildProcess>();
const guardedPids = new Set<() => number | undefined>();
let exitGuardInstalled = false;

/** If this process dies without stopping them, no process started here outlives it. */
function installExitGuard(): void {
  if (exitGuardInstalled) return;
  exitGuardInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
    for (const pidOf of guardedPids) {
      const pid = pidOf();
      if (pid === undefined) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** SIGKILLs the process `pidOf` names (when it names one) if this process exits first. */
export function guardPid(pidOf: () => number | undefined): void {
  installExitGuard();
  guardedPids.add(pidOf);
}

export class Supervised {
  readonly spec: ProcessSpec;
  /** The last lines it printed, when its output is piped (no `logFile`). */
  readonly lines: string[] = [];
  /** Its exit code once it has exited (128 when killed by a signal, -1 when it could not start); null while running. */
  exitCode: number | null = null;
  /** Set by `stop()`: it exited because it was told to, which `problem()` does not report. */
  stoppedOnPurpose = false;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(spec: ProcessSpec) {
    this.spec = spec;
  }

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.exitCode === null;
  }

  /** Spawns it (again, after it has exited), with the same command, arguments and environment. */
  start(): this {
    if (this.running) throw new Error(`${this.name} is already running`);
    installExitGuard();
    this.exitCode = null;
    this.stoppedOnPurpose = false;
    const { command, args, cwd, env, logFile } = this.spec;
    const fd = logFile === undefined ? undefined : openSync(logFile, 'a');
    try {
      const child = spawn(command, args, {
        cwd,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
        stdio: ['ignore', fd ?? 'pipe', fd ?? 'pipe'],
      });
      this.child = child;
      live.add(child);
      this.exited = new Promise<void>((resolve) => {
        const done = (code: number) => {
          live.delete(child);
          this.exitCode ??= code;
          resolve();
        };
        child.once('exit', (code, signal) => done(code ?? (signal ? 128 : -1)));
        child.once('error', (err) => {
          this.note(`spawn failed: ${err.message}`);
          done(-1);
        });
      });
      if (fd === undefined) {
        child.stdout?.on('data', this.collector());
        child.stderr?.on('data', this.collector());
      }
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    return this;
  }

  /** Waits until its readiness URL answers 2xx; fails at once if it exits meanwhile. */
  async ready(): Promise<this> {
    const url = this.spec.readyUrl;
    if (url === undefined) return this;
    await until(`${this.name} to answer ${url}`, () => httpOk(url), {
      timeoutMs: this.spec.readyTimeoutMs ?? 60_000,
      intervalMs: this.spec.readyIntervalMs ?? 250,
      fatal: () => (this.exitCode !== null ? `exited with ${this.exitCode}:\n${this.tail()}` : undefined),
    });
    return this;
  }

  /** Sends `signal` (SIGTERM: a clean stop; SIGKILL: a crash), SIGKILL after the grace period; resolves once it has exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    this.stoppedOnPurpose = true;
    const child = this.child;
    if (!child || this.exitCode !== null) return this.exitCode;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), this.spec.stopGraceMs ?? 10_000);
    await this.exited;
    clearTimeout(timer);
    return this.exitCode;
  }

  /** Waits for it to exit by itself; SIGKILL after `timeoutMs`. Returns its exit code. */
  async wait(timeoutMs: number): Promise<number> {
    const child = this.child;
    if (child && this.exitCode === null) {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exitCode ?? -1;
  }

  /** Why it is not running although nobody stopped it, or undefined. */
  problem(): string | undefined {
    if (this.exitCode === null || this.stoppedOnPurpose) return undefined;
    return `${this.name} exited with ${this.exitCode}:\n${this.tail()}`;
  }

  /** Its last lines of output (for failure messages). */
  tail(lines = 25): string {
    const { logFile } = this.spec;
    if (logFile === undefined) return this.lines.slice(-lines).join('\n') || '(no output)';
    try {
      return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no output)';
    }
  }

  private note(line: string): void {
    if (this.spec.logFile !== undefined) writeFileSync(this.spec.logFile, `${line}\n`, { flag: 'a' });
    else this.lines.push(line);
  }

  /** A `data` listener splitting one stream into lines, keeping the last `keepLines`. */
  private collector(): (chunk: Buffer) => void {
    const keep = this.spec.keepLines ?? 2_000;
    let partial = '';
    return (chunk) => {
      partial += chunk.toString();
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) if (line) this.lines.push(line);
      // Trimmed in batches, so a busy service's log costs no copying per line.
      if (this.lines.length > 2 * keep) this.lines.splice(0, this.lines.length - keep);
    };
  }
}
