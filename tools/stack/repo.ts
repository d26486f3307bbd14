/**
 * The repository and its built tools: where the repository is, reading its files (YAML
 * through stack-check, env files), where scripts/ci/build-tools.sh puts each tool, and
 * running them.
 *
 * The tools (promtool, amtool, the collector, stack-check…) are built from the Go module
 * proxy by scripts/ci/build-tools.sh into a cache outside the repository; its --print-env
 * mode says where each one is, so the tests and the script always agree.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function repoPath(...parts: string[]): string {
  return path.join(repoRoot, ...parts);
}

export function readRepoFile(...parts: string[]): string {
  return readFileSync(repoPath(...parts), 'utf8');
}

export type ToolName =
  | 'OTELCOL'
  | 'PROMETHEUS'
  | 'PROMTOOL'
  | 'ALERTMANAGER'
  | 'AMTOOL'
  | 'JAEGER'
  | 'MAILPIT'
  | 'COMPOSE'
  | 'STACK_CHECK';

let toolPaths: Map<string, string> | undefined;

/** The path build-tools.sh builds a tool to (whether or not it is built yet). */
export function toolPath(name: ToolName): string {
  if (!toolPaths) {
    const out = execFileSync('bash', [repoPath('scripts/ci/build-tools.sh'), '--print-env'], { encoding: 'utf8' });
    toolPaths = new Map();
    for (const line of out.split('\n')) {
      const match = /^SHOPSCOPE_([A-Z0-9_]+)=(.+)$/.exec(line);
      if (match?.[1] && match[2]) toolPaths.set(match[1], match[2]);
    }
  }
  const found = toolPaths.get(name);
  if (!found) throw new Error(`build-tools.sh --print-env does not know SHOPSCOPE_${name}`);
  return found;
}

/** Path of a built tool; throws with the command to run when it is not built yet. */
export function requireTool(name: ToolName): string {
  const file = toolPath(name);
  if (!existsSync(file)) {
    throw new Error(
      `${file} is not built: run scripts/ci/build-tools.sh first (it builds every tool the stack tests use)`,
    );
  }
  return file;
}

export function toolBuilt(name: ToolName): boolean {
  return existsSync(toolPath(name));
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[], options: { cwd?: string; input?: string } = {}): RunResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? repoRoot,
    encoding: 'utf8',
    input: options.input,
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a command and returns stdout; a non-zero exit throws with everything it printed. */
export function runOk(command: string, args: string[], options: { cwd?: string; input?: string } = {}): string {
  const result = run(command, args, options);
  if (result.status !== 0) {
    throw new Error(
      `${path.basename(command)} ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}`.trim(),
    );
  }
  return result.stdout;
}

/** A YAML file of the repository as plain data (through stack-check yaml2json). */
export function readYaml<T = any>(...parts: string[]): T {
  return JSON.parse(runOk(requireTool('STACK_CHECK'), ['yaml2json', repoPath(...parts)])) as T;
}

/** KEY=value lines of an env file (comments and blank lines skipped). */
export function readEnvFile(...parts: string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of readRepoFile(...parts).split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) values.set(match[1], match[2]);
  }
  return values;
}
