/** The machine and the code a benchmark ran on, for the report's header. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { repoRoot, toolPath } from '../tools/stack/repo.ts';
import { loadGeneratorVersion } from './load.ts';
import type { Machine } from './results.ts';

function output(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os.type();
  } catch {
    return os.type();
  }
}

export function machineInfo(): Machine {
  const cpus = os.cpus();
  const changed = output('git', ['status', '--porcelain', '--', 'services']);
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: os.totalmem() / 2 ** 30,
    os: osName(),
    kernel: os.release(),
    node: process.version,
    loadGenerator: loadGeneratorVersion(),
    collector: output(toolPath('OTELCOL'), ['--version']),
    commit: output('git', ['rev-parse', '--short=12', 'HEAD']),
    uncommittedServiceFiles: changed === '' || changed === 'unknown' ? 0 : changed.split('\n').length,
    loadAverageAtStart: os.loadavg(),
    loadAverageAtEnd: [],
  };
}
