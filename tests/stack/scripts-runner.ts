/**
 * Runs the coursework scripts of scripts/ (validate.sh, the failure scripts) as a learner
 * does, from the repository root, with only the environment given: for validate.test.ts
 * against the native stack (stackEnv), and for the compose rehearsal (tests/compose)
 * against `docker compose up`, where the failure scripts use their default docker commands.
 */
import { spawn } from 'node:child_process';
import { repoPath, repoRoot } from '../../tools/stack/repo.ts';
import { ADMIN_TOKEN, type NativeStack } from '../../tools/stack/native-stack.ts';

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
