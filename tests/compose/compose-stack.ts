/**
 * The compose rehearsal's handle on `docker compose`: the repository's docker-compose.yml,
 * unchanged, with the defaults of .env.example (no .env, no override file), on the Docker
 * Engine that tests/compose/engine.sh starts. Every call is the command a learner types,
 * with DOCKER_HOST and DOCKER_CONFIG pointing at that engine and its Compose CLI.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { repoPath, repoRoot } from '../../tools/stack/repo.ts';
import type { ContainerSample } from '../../tools/stack/compose-figures.ts';
import { until } from '../../tools/stack/native-stack.ts';

/** DOCKER_HOST and DOCKER_CONFIG of the rehearsal's engine (engine.sh env). */
function engineEnv(): Record<string, string> {
  const out = execFileSync('bash', [repoPath('tests/compose/engine.sh'), 'env'], { encoding: 'utf8' });
  const env: Record<string, string> = {};
  for (const match of out.matchAll(/^export (\w+)=(.*)$/gm)) {
    if (match[1] && match[2] !== undefined) env[match[1]] = match[2].replace(/^'(.*)'$/, '$1');
  }
  return env;
}

export interface RunResult {
  code: number | null;
  output: string;
  durationMs: number;
}

/** Runs a command with the engine's environment; resolves with its exit code and output. */
export function runWithEngine(
  command: string,
  args: string[],
  { timeoutMs = 600_000, env = {} }: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: repoRoot,
      env: { ...process.env, ...ComposeStack.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, durationMs: Date.now() - started });
    });
  });
}

/** One container of `docker compose ps --all --format json`. */
export interface ContainerState {
  Service: string;
  Name: string;
  State: string;
  Health: string;
  ExitCode: number;
}

const UNITS: Record<string, number> = {
  B: 1 / 1024 / 1024,
  KiB: 1 / 1024,
  MiB: 1,
  GiB: 1024,
  kB: 1 / 1024,
  MB: 1,
  GB: 1024,
};

function mib(text: string): number {
  const match = /^([\d.]+)\s*([A-Za-z]+)$/.exec(text.trim());
  const unit = match?.[2] ? UNITS[match[2]] : undefined;
  if (!match?.[1] || unit === undefined) throw new Error(`cannot read the size ${JSON.stringify(text)}`);
  return Number(match[1]) * unit;
}

export class ComposeStack {
  /** The engine's environment, read once. */
  static readonly env: Record<string, string> = engineEnv();

  /** `docker compose <args>`; throws with the output when it fails (unless `allowFailure`). */
  async compose(
    args: string[],
    options: { timeoutMs?: number; env?: Record<string, string>; allowFailure?: boolean } = {},
  ): Promise<RunResult> {
    const result = await runWithEngine('docker', ['compose', ...args], options);
    if (result.code !== 0 && !options.allowFailure) {
      throw new Error(`docker compose ${args.join(' ')} exited ${result.code}:\n${result.output.slice(-4000)}`);
    }
    return result;
  }

  async containers(): Promise<ContainerState[]> {
    const { output } = await this.compose(['ps', '--all', '--format', 'json']);
    // One JSON object per line (Compose v2+).
    return output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as ContainerState);
  }

  /** Every container that should run is running and healthy; the one-shot job exited 0. */
  async allHealthy(): Promise<{ ok: boolean; detail: string }> {
    const containers = await this.containers();
    const bad = containers.filter((c) =>
      c.Service === 'healthcheck-tools'
        ? c.State !== 'exited' || c.ExitCode !== 0
        : c.State !== 'running' || c.Health !== 'healthy',
    );
    return {
      ok: containers.length > 0 && bad.length === 0,
      detail: bad.map((c) => `${c.Service}: ${c.State}${c.Health ? ` (${c.Health})` : ''}`).join(', '),
    };
  }

  async waitHealthy(what: string, timeoutMs = 240_000): Promise<void> {
    let last = '';
    await until(
      `${what}: every container healthy${last ? ` (${last})` : ''}`,
      async () => {
        const { ok, detail } = await this.allHealthy();
        last = detail;
        return ok;
      },
      { timeoutMs, intervalMs: 2_000 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; not healthy: ${last}`);
    });
  }

  /** CPU and memory of every running container of the project, from `docker stats --no-stream`. */
  async stats(): Promise<ContainerSample[]> {
    const result = await runWithEngine('docker', [
      'stats',
      '--no-stream',
      '--format',
      '{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}',
      ...(await this.containers()).filter((c) => c.State === 'running').map((c) => c.Name),
    ]);
    if (result.code !== 0) throw new Error(`docker stats exited ${result.code}: ${result.output}`);
    return result.output
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [name = '', cpu = '', usage = ''] = line.split('\t');
        const [used = '', limit = ''] = usage.split('/');
        return {
          name: name.replace(/^shopscope-/, '').replace(/-1$/, ''),
          cpuPercent: Number.parseFloat(cpu) || 0,
          usedMiB: mib(used),
          limitMiB: mib(limit),
        };
      });
  }

  /**
   * What the containers logged at warning level or above since `since` (an ISO time): the
   * services' JSON lines at warn, error or fatal, the databases' [Warning] and [ERROR]
   * lines — why requests failed, for the test's message. Each line keeps its service prefix.
   */
  async problemsSince(since: string, services: string[]): Promise<string[]> {
    const { output } = await this.compose(['logs', '--no-color', '--since', since, ...services], {
      allowFailure: true,
    });
    return output.split('\n').filter((line) => /"level":"(warn|error|fatal)"|\[(Warning|ERROR)\]/.test(line));
  }

  /** The last lines a container's process printed. */
  async logs(service: string, lines = 40): Promise<string> {
    return (await this.compose(['logs', '--no-color', '--tail', String(lines), service], { allowFailure: true }))
      .output;
  }
}

/** True when the rehearsal can run here: a dockerd binary and root (engine.sh starts its own). */
export function engineAvailable(): string | undefined {
  if (!existsSync('/usr/sbin/dockerd')) return 'dockerd is not installed: scripts/ci/install.sh installs docker.io';
  if (process.getuid?.() !== 0) return 'the rehearsal starts its own dockerd, which needs root';
  return undefined;
}
