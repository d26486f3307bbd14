/**
 * What the compose rehearsal (tests/compose/rehearsal.test.ts) measured of the stack in
 * containers, kept for the benchmark's report (bench/report.ts, "In containers"), which
 * puts it beside the native figures. The rehearsal writes it after each run on this
 * machine; the benchmark reads the last one and says which commit and day it is from.
 *
 * It lives in the tool cache (outside the repository), next to the Docker data root the
 * rehearsal's images are kept in: a figure of this machine, not a file to commit.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './repo.ts';

/** One container as `docker stats --no-stream` saw it. */
export interface ContainerSample {
  name: string;
  /** CPU over the engine's last sampling interval, in % of one core. */
  cpuPercent: number;
  usedMiB: number;
  limitMiB: number;
}

/** A container under load: mean CPU and peak memory over the samples taken. */
export interface ContainerUnderLoad {
  name: string;
  cpuMeanPercent: number;
  peakMiB: number;
  limitMiB: number;
}

export interface ComposeFigures {
  /** Commit (12 hex digits) and time of the rehearsal. */
  commit: string;
  at: string;
  /** `docker compose build` of the four services, s (a warm run reuses the build cache). */
  buildS?: number;
  /** From `docker compose up -d` (images present, empty volumes) to every container healthy, s. */
  upToHealthyS?: number;
  /** From the same `up -d` to the first trace of a web shop page in Jaeger (the page asked for as soon as the frontend answers), s. */
  upToFirstTraceS?: number;
  idle?: ContainerSample[];
  load?: {
    /** What the load was, in words (users, duration, journeys). */
    what: string;
    requests: number;
    orders: number;
    failedJourneys: number;
    containers: ContainerUnderLoad[];
  };
}

/** Where the last rehearsal's figures are kept: SHOPSCOPE_COMPOSE_FIGURES, or the tool cache. */
export function composeFiguresPath(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.SHOPSCOPE_COMPOSE_FIGURES ??
    path.join(env.SHOPSCOPE_CACHE ?? '/opt/shopscope-cache', 'figures', 'compose-rehearsal.json')
  );
}

export function writeComposeFigures(figures: Omit<ComposeFigures, 'commit' | 'at'>, file = composeFiguresPath()): void {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    // Not a git checkout: the figures still count, their commit is unknown.
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ commit, at: new Date().toISOString(), ...figures }, null, 2)}\n`);
}

/** The last rehearsal's figures, or undefined when no rehearsal has run on this machine. */
export function readComposeFigures(file = composeFiguresPath()): ComposeFigures | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as ComposeFigures;
}
