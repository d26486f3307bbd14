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
import { type LoadContext, runLoad, type Workload, WORKLOADS } from './load.ts';
import { type ServicesProfile, type Telemetry, TELEMETRY_CONFIGS, telemetryEnv } from './results.ts';
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

/**
 * Restarts the four services of a running stack with V8's sampling profiler on, in a
 * telemetry configuration, offers `workload` at `rate` for `warmupS` and then `seconds`
 * (profiled), and restarts them again without the profiler (which writes the profiles)
 * in the same configuration. The caller's next restart sets what it needs.
 */
export async function profileServices(
  stack: NativeStack,
  options: { telemetry: Telemetry; workload: Workload; rate: number; warmupS: number; seconds: number },
  context: LoadContext,
): Promise<ServicesProfile> {
  const { telemetry, workload, rate, warmupS, seconds } = options;
  const profileDir = mkdtempSync(path.join(os.tmpdir(), 'shopscope-profile-'));
  // The services' own heap settings (services/runtime.env), which a bare NODE_OPTIONS would
  // replace: the profile's GC must be the product's.
  const productNodeOptions = serviceRuntimeEnv().NODE_OPTIONS ?? '';
  try {
    await stack.restartServices({
      ...telemetryEnv(telemetry),
      NODE_OPTIONS:
        `${productNodeOptions} --cpu-prof --cpu-prof-dir=${profileDir} --cpu-prof-interval=${SAMPLING_INTERVAL_US}`.trim(),
    });
    const pids = new Map<number, string>();
    for (const name of SERVICE_NAMES) {
      const pid = stack.services.get(name)?.pid;
      if (pid !== undefined) pids.set(pid, name);
    }
    if (warmupS > 0) await runLoad(stack, { workload, mode: 'rate', rate, warmupS: 0, measureS: warmupS }, context);
    const from = nowUs();
    const result = await runLoad(stack, { workload, mode: 'rate', rate, warmupS: 0, measureS: seconds }, context);
    const to = nowUs();
    // SIGTERM: each service exits normally and V8 writes its profile.
    await stack.restartServices({ ...telemetryEnv(telemetry), NODE_OPTIONS: productNodeOptions });

    const profile: ServicesProfile = {
      telemetry,
      workload,
      rate,
      seconds,
      iterations: result.totalIterations,
      services: {},
      byFunction: {},
    };
    for (const file of readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'))) {
      // CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile
      const service = pids.get(Number(file.split('.')[3]));
      if (!service) continue;
      const summary = summarise(JSON.parse(readFileSync(path.join(profileDir, file), 'utf8')), from, to);
      profile.services[service] = { totalMs: summary.totalMs, byOwner: Object.fromEntries(summary.byOwner) };
      for (const [fn, ms] of summary.byFunction) profile.byFunction[`${service}: ${fn}`] = ms;
    }
    const missing = SERVICE_NAMES.filter((name) => !profile.services[name]);
    if (missing.length > 0) throw new Error(`no CPU profile was written by ${missing.join(', ')}`);
    return profile;
  } finally {
    rmSync(profileDir, { recursive: true, force: true });
  }
}

/** Whether an owner's CPU is telemetry's. */
export function isTelemetryOwner(owner: string): boolean {
  return TELEMETRY_PACKAGE.test(owner);
}

/** The profile as text: per service, its owners by CPU per iteration; then the top functions. */
export function formatProfile(profile: ServicesProfile, top: number): string {
  const perIteration = (ms: number) => (ms / profile.iterations).toFixed(3);
  const lines: string[] = [
    `telemetry ${profile.telemetry}, ${profile.workload} at ${profile.rate}/s, ${profile.iterations} iterations in ${profile.seconds} s; CPU ms per iteration`,
  ];
  for (const [service, { totalMs, byOwner }] of Object.entries(profile.services)) {
    let telemetryMs = 0;
    for (const [owner, ms] of Object.entries(byOwner)) if (isTelemetryOwner(owner)) telemetryMs += ms;
    lines.push(
      '',
      `${service}: ${perIteration(totalMs)} ms, of which telemetry packages ${perIteration(telemetryMs)} (${((100 * telemetryMs) / totalMs).toFixed(1)} %)`,
    );
    for (const [owner, ms] of Object.entries(byOwner).sort((a, b) => b[1] - a[1])) {
      if (ms / totalMs < 0.005) continue;
      const mark = isTelemetryOwner(owner) ? ' *' : '';
      lines.push(
        `  ${perIteration(ms).padStart(8)}  ${((100 * ms) / totalMs).toFixed(1).padStart(5)} %  ${owner}${mark}`,
      );
    }
  }
  lines.push('', `top ${top} functions (self time, Node's work charged to the caller), all services:`);
  for (const [fn, ms] of Object.entries(profile.byFunction)
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)) {
    lines.push(`  ${perIteration(ms).padStart(8)}  ${fn}`);
  }
  return `${lines.join('\n')}\n`;
}

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

  const stack = await NativeStack.start({
    log,
    serviceEnv: { OTEL_METRIC_EXPORT_INTERVAL: '10000', LOG_LEVEL: 'info' },
  });
  try {
    await restock(stack);
    const shoppers = 60;
    const shoppersFile = path.join(stack.dir, 'shoppers.json');
    await createShoppers(stack, shoppers, shoppersFile);
    const context = { slugs: await productSlugs(stack), shoppersFile, shoppers };
    log(`telemetry ${telemetry}: ${workload} at ${rate}/s, 10 s of warm-up, then ${seconds} s profiled`);
    const profile = await profileServices(stack, { telemetry, workload, rate, warmupS: 10, seconds }, context);
    process.stdout.write(formatProfile(profile, Number(values.top)));
  } finally {
    await stack.stop();
  }
}

if (import.meta.main) await main();
