/**
 * Where the services' CPU goes, by package: the profile that issue 15's changes start from.
 *
 *   npm run bench:profile                                        # journey, shopscope
 *   npm run bench:profile -- --telemetry zero-code --workload api --rate 300 --seconds 30
 *
 * It boots the native stack as `npm run bench` does, restarts the four services with V8's
 * sampling profiler on (`--cpu-prof`, Node's own), offers a workload at a fixed rate (open
 * model, bench/load.ts) and reads the samples of the measured window only (start-up,
 * warm-up and shutdown left out: a profile's timestamps are the monotonic clock this
 * process reads with process.hrtime). Each sample is charged to the innermost frame that
 * belongs to a package or to the shop's code, so the work Node or V8 does on a library's
 * behalf (an http2 write for grpc-js, JSON.stringify for pino) is that library's; garbage
 * collection is its own row, whoever made the garbage. The table gives, per service, ms of
 * CPU per iteration for each package and the share of telemetry (the @opentelemetry/*
 * packages, gRPC, protobuf and the shop's own telemetry package) in the total.
 *
 * A sampling profile is a statistical picture: with a 500 µs interval, a row under ~0.02 ms
 * per iteration rests on a few samples. Use it to find the cost; prove a change with
 * `npm run bench` (CPU from /proc, configurations alternated in one run).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { NativeStack, SERVICE_NAMES } from '../tools/stack/native-stack.ts';
import { serviceRuntimeEnv } from '../tools/stack/services.ts';
import { runLoad, type Workload, WORKLOADS } from './load.ts';
import { type Telemetry, TELEMETRY_CONFIGS, telemetryEnv } from './results.ts';
import { createShoppers, productSlugs, restock } from './shop-setup.ts';

/** The subset of V8's .cpuprofile format read here. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const SAMPLING_INTERVAL_US = 500;

/** Packages whose CPU is telemetry's (the shop's own telemetry package included). */
const TELEMETRY_PACKAGE =
  /^(@opentelemetry\/|@grpc\/|protobufjs|@protobufjs\/|long$|import-in-the-middle|require-in-the-middle|shimmer|@shopscope\/telemetry)/;

/** The package (or shop workspace) a script URL belongs to; undefined for Node's and V8's own code. */
export function ownerOf(url: string): string | undefined {
  if (!url || url.startsWith('node:')) return undefined;
  const file = url.replace(/^file:\/\//, '');
  const inModules = file.lastIndexOf('/node_modules/');
  if (inModules >= 0) {
    const [first, second] = file.slice(inModules + '/node_modules/'.length).split('/');
    return first?.startsWith('@') ? `${first}/${second}` : first;
  }
  const workspace = /\/services\/([^/]+)\//.exec(file)?.[1];
  return workspace ? `@shopscope/${workspace}` : undefined;
}

export interface ProfileSummary {
  /** ms of CPU in the window, by owner ("GC", "Node/V8" for work no package asked for). */
  byOwner: Map<string, number>;
  /** ms by function (owner, name, file:line), for the top list. */
  byFunction: Map<string, number>;
  totalMs: number;
}

/** A Node or V8 frame's name: function, then the internal module it is in (if any). */
function nodeFrame(frame: { functionName: string; url: string; lineNumber: number }): string {
  const where = frame.url ? ` ${frame.url.replace(/^node:/, '')}:${frame.lineNumber + 1}` : '';
  return `${frame.functionName || '(anonymous)'}${where}`;
}

/** Charges each sample between `fromUs` and `toUs` (monotonic µs) to its innermost owned frame. */
export function summarise(profile: CpuProfile, fromUs: number, toUs: number): ProfileSummary {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const charged = new Map<number, { owner: string; fn: string }>();
  const chargeOf = (id: number): { owner: string; fn: string } => {
    const known = charged.get(id);
    if (known) return known;
    const frame = byId.get(id)?.callFrame;
    let result: { owner: string; fn: string };
    if (frame?.functionName === '(garbage collector)') result = { owner: 'GC', fn: 'GC' };
    else if (frame?.functionName === '(idle)') result = { owner: '(idle)', fn: '(idle)' };
    else {
      const owner = frame ? ownerOf(frame.url) : undefined;
      const up = parent.get(id);
      if (owner && frame) {
        const where = `${path.basename(frame.url)}:${frame.lineNumber + 1}`;
        result = { owner, fn: `${owner} ${frame.functionName || '(anonymous)'} ${where}` };
      } else if (up !== undefined) {
        result = chargeOf(up);
        // Work no package asked for is named by its own innermost frame (a Node internal,
        // V8's "(program)"), not by the profile's root every such sample climbs to.
        if (result.owner === 'Node/V8' && frame) result = { owner: 'Node/V8', fn: `Node/V8 ${nodeFrame(frame)}` };
      } else result = { owner: 'Node/V8', fn: `Node/V8 ${frame?.functionName || '(root)'}` };
    }
    charged.set(id, result);
    return result;
  };
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let at = profile.startTime;
  let previous: number | undefined;
  let totalMs = 0;
  profile.samples.forEach((id, index) => {
    at += profile.timeDeltas[index] ?? 0;
    // A sample stands for the time since the previous one.
    const ms = previous === undefined ? 0 : (at - previous) / 1000;
    previous = at;
    if (at < fromUs || at > toUs) return;
    const { owner, fn } = chargeOf(id);
    if (owner === '(idle)') return;
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + ms);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
    totalMs += ms;
  });
  return { byOwner, byFunction, totalMs };
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      telemetry: { type: 'string', default: 'shopscope' },
      workload: { type: 'string', default: 'journey' },
      rate: { type: 'string' },
      seconds: { type: 'string', default: '30' },
      top: { type: 'string', default: '25' },
    },
  });
  const telemetry = values.telemetry as Telemetry;
  const workload = values.workload as Workload;
  if (!TELEMETRY_CONFIGS.includes(telemetry)) throw new Error(`--telemetry: one of ${TELEMETRY_CONFIGS.join(', ')}`);
  if (!WORKLOADS.includes(workload)) throw new Error(`--workload: one of ${WORKLOADS.join(', ')}`);
  // The benchmark's fixed rates by default, so the profile is of the load it measures.
  const rate = Number(values.rate ?? { api: 200, catalogue: 50, journey: 3 }[workload]);
  const seconds = Number(values.seconds);
  const log = (message: string) => process.stderr.write(`# [profile] ${message}\n`);

  const profileDir = mkdtempSync(path.join(os.tmpdir(), 'shopscope-profile-'));
  const stack = await NativeStack.start({
    log,
    serviceEnv: { OTEL_METRIC_EXPORT_INTERVAL: '10000', LOG_LEVEL: 'info' },
  });
  const pids = new Map<number, string>();
  let window: { from: number; to: number; iterations: number } | undefined;
  try {
    await restock(stack);
    const shoppers = 60;
    const shoppersFile = path.join(stack.dir, 'shoppers.json');
    await createShoppers(stack, shoppers, shoppersFile);
    const context = { slugs: await productSlugs(stack), shoppersFile, shoppers };
    await stack.restartServices({
      ...telemetryEnv(telemetry),
      // Appended to the services' own heap settings (services/runtime.env), which a bare
      // NODE_OPTIONS would replace: the profile's GC must be the product's.
      NODE_OPTIONS:
        `${serviceRuntimeEnv().NODE_OPTIONS ?? ''} --cpu-prof --cpu-prof-dir=${profileDir} --cpu-prof-interval=${SAMPLING_INTERVAL_US}`.trim(),
    });
    for (const name of SERVICE_NAMES) {
      const pid = stack.services.get(name)?.pid;
      if (pid !== undefined) pids.set(pid, name);
    }
    log(`telemetry ${telemetry}: ${workload} at ${rate}/s, 10 s of warm-up, then ${seconds} s profiled`);
    await runLoad(stack, { workload, mode: 'rate', rate, warmupS: 0, measureS: 10 }, context);
    const from = nowUs();
    const result = await runLoad(stack, { workload, mode: 'rate', rate, warmupS: 0, measureS: seconds }, context);
    window = { from, to: nowUs(), iterations: result.totalIterations };
  } finally {
    // SIGTERM: each service exits normally and V8 writes its profile.
    await stack.stop();
  }
  if (!window) return;

  const top = Number(values.top);
  const perIteration = (ms: number) => (ms / window.iterations).toFixed(3);
  const lines: string[] = [
    `telemetry ${telemetry}, ${workload} at ${rate}/s, ${window.iterations} iterations in ${((window.to - window.from) / 1e6).toFixed(1)} s; CPU ms per iteration`,
  ];
  const functions = new Map<string, number>();
  for (const file of readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'))) {
    const pid = Number(file.split('.')[3]);
    const service = pids.get(pid);
    if (!service) continue;
    const summary = summarise(JSON.parse(readFileSync(path.join(profileDir, file), 'utf8')), window.from, window.to);
    let telemetryMs = 0;
    for (const [owner, ms] of summary.byOwner) if (TELEMETRY_PACKAGE.test(owner)) telemetryMs += ms;
    lines.push(
      '',
      `${service}: ${perIteration(summary.totalMs)} ms, of which telemetry packages ${perIteration(telemetryMs)} (${((100 * telemetryMs) / summary.totalMs).toFixed(1)} %)`,
    );
    for (const [owner, ms] of [...summary.byOwner].sort((a, b) => b[1] - a[1])) {
      if (ms / summary.totalMs < 0.005) continue;
      const mark = TELEMETRY_PACKAGE.test(owner) ? ' *' : '';
      lines.push(
        `  ${perIteration(ms).padStart(8)}  ${((100 * ms) / summary.totalMs).toFixed(1).padStart(5)} %  ${owner}${mark}`,
      );
    }
    for (const [fn, ms] of summary.byFunction) functions.set(`${service}: ${fn}`, ms);
  }
  lines.push('', `top ${top} functions (self time, Node's work charged to the caller), all services:`);
  for (const [fn, ms] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`  ${perIteration(ms).padStart(8)}  ${fn}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  rmSync(profileDir, { recursive: true, force: true });
}

if (import.meta.main) await main();
