/**
 * The whole ShopScope stack as native processes on loopback, for the full-stack test
 * (fullstack.test.ts): a throwaway MariaDB, the four services on Node 24, the real
 * OpenTelemetry Collector, Prometheus, Alertmanager and Jaeger v2 built by
 * scripts/ci/build-tools.sh at the versions docker-compose.yml pins, and a stand-in for Loki
 * (loki-standin.ts: Loki is AGPL and is not built here). Every listener is on
 * 127.0.0.1 and a free port; every data directory lives under one temporary directory,
 * removed by `stop()`.
 *
 * Each component runs the repository's own config file. Where the compose file relies on
 * container hostnames and fixed ports, the change is the smallest one that works and is
 * listed here, so the difference from `docker compose up` is explicit:
 *
 * - Collector: `--config=otel-collector/config.yaml` unchanged, plus a second `--config`
 *   (merged over it by the collector) that moves only its listeners (OTLP gRPC/HTTP,
 *   health_check, zpages, own-metrics endpoint) from 0.0.0.0:<fixed port> to 127.0.0.1:<free
 *   port>. Backends and probe targets come from the environment variables the config
 *   already reads (JAEGER_OTLP_ENDPOINT, PROMETHEUS_OTLP_ENDPOINT, LOKI_OTLP_ENDPOINT,
 *   FRONTEND_URL, USER_SERVICE_URL, PRODUCT_SERVICE_URL, ORDER_SERVICE_URL).
 * - Jaeger: `--config=jaeger/config.yaml` unchanged, plus a second `--config` moving its
 *   listeners; PROMETHEUS_URL from the environment it already reads. Its own traces go to
 *   its own OTLP receiver, as they do in the container (where localhost:4317 is Jaeger).
 * - Loki: not run. loki-standin.ts stands in for it as a child process on a loopback port:
 *   the same OTLP endpoint (the collector's LOKI_OTLP_ENDPOINT is `<its url>/otlp`, as
 *   `http://loki:3100/otlp` in compose), /ready, /metrics (Prometheus's `loki` scrape job)
 *   and the query API, with the index labels of loki/config.yaml's otlp_config (read from
 *   the file). Its header says what only the real Loki image can prove.
 * - Prometheus: a copy of prometheus.yml with the static targets (container:port) and the
 *   Alertmanager address rewritten to loopback ports, and `global.evaluation_interval`
 *   shortened from 15 s to 5 s so that alerts turn pending sooner. The rule files are the
 *   repository's own, unchanged (a symlink next to the copy, so `rules/*.yml` still
 *   resolves); every `for:` duration is the real one. Flags as in docker-compose.yml, with
 *   the listen address, external URL and data directory on loopback and in the temp dir.
 *   Grafana does not run, so its scrape target points at a closed port (up == 0).
 * - Alertmanager: a copy of alertmanager.yml with `global.smtp_smarthost` (mailpit:1025)
 *   rewritten to the native Mailpit's loopback SMTP port. Receivers, routes and inhibition
 *   are unchanged, so the e-mails are the ones a learner reads in Mailpit.
 * - Mailpit: the release compose runs, built by build-tools.sh, with `--smtp`, `--listen`
 *   and `--database` moved to loopback and the temp dir; read through its API.
 * - Services: as in docker-compose.yml (OTLP/gRPC to the collector, OTEL_SERVICE_NAME,
 *   DEPLOYMENT_ENVIRONMENT), except the metric export interval, 2 s instead of 10 s, so the
 *   test waits less for data.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MariaDb } from '../src/harness/mariadb.ts';
import { freePort } from '../src/harness/ports.ts';
import { ServiceProcess } from '../src/harness/services.ts';
import { readEnvFile, readYaml, repoPath, type ToolName, toolPath } from './lib.ts';

export { ADMIN_TOKEN } from '../src/harness/services.ts';

/** The four services, by their telemetry name (service.name, the service_name label). */
export const SERVICE_NAMES = ['frontend', 'user-service', 'product-service', 'order-service'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
const SERVICE_DIRS: Record<ServiceName, 'frontend' | 'user' | 'product' | 'order'> = {
  frontend: 'frontend',
  'user-service': 'user',
  'product-service': 'product',
  'order-service': 'order',
};

/** Metric export interval of the services in this test (docker-compose.yml: the 10 s default). */
export const METRIC_EXPORT_INTERVAL_MS = 2_000;
/** Rule evaluation interval of this test's Prometheus (prometheus.yml: 15 s). */
export const EVALUATION_INTERVAL = '5s';

// ---------------------------------------------------------------------------------------
// Preconditions: the tools and the built services.
// ---------------------------------------------------------------------------------------

const TOOLS: Record<string, ToolName> = {
  'otelcol (the collector built from otel-collector/builder-config.yaml)': 'OTELCOL',
  prometheus: 'PROMETHEUS',
  alertmanager: 'ALERTMANAGER',
  jaeger: 'JAEGER',
  mailpit: 'MAILPIT',
  'stack-check': 'STACK_CHECK',
};

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && existsSync(path.join(dir, command)));
}

/** Throws one message naming everything missing and how to get it. */
export function checkPrerequisites(): void {
  const missing: string[] = [];
  for (const [label, tool] of Object.entries(TOOLS)) {
    const file = toolPath(tool);
    if (!existsSync(file)) missing.push(`${label}: ${file} is not built — run scripts/ci/build-tools.sh`);
  }
  for (const command of ['mariadbd', 'mariadb-install-db']) {
    if (!onPath(command)) missing.push(`${command} is not on PATH — install MariaDB (scripts/ci/install.sh does)`);
  }
  for (const dir of Object.values(SERVICE_DIRS)) {
    const main = repoPath('services', dir, 'dist/main.js');
    if (!existsSync(main)) missing.push(`${main} does not exist — run npm run build`);
  }
  if (missing.length > 0) throw new Error(`the full-stack test cannot run:\n  ${missing.join('\n  ')}`);
}

// ---------------------------------------------------------------------------------------
// Processes.
// ---------------------------------------------------------------------------------------

/** Every component process started by this module, for the exit guard below. */
const live = new Set<ChildProcess>();
/** Pids of processes started through the harness (services, MariaDB), for the same guard. */
const guarded = new Set<() => number | undefined>();
let exitGuardInstalled = false;

/** If the test process dies without running its after-hooks, no process it started outlives it. */
function installExitGuard(): void {
  if (exitGuardInstalled) return;
  exitGuardInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
    for (const pidOf of guarded) {
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

/** A stack component (collector, Prometheus…) running as a child process, its output in a log file. */
export class Component {
  readonly name: string;
  readonly logFile: string;
  private child: ChildProcess | undefined;
  private lastStart: { command: string; args: string[]; options: { cwd: string; env?: Record<string, string> } } | undefined;
  exitCode: number | null = null;
  /** Set while a test has stopped it on purpose (a failure scenario), so that `problem()` ignores it. */
  stoppedOnPurpose = false;

  constructor(name: string, logFile: string) {
    this.name = name;
    this.logFile = logFile;
  }

  start(command: string, args: string[], options: { cwd: string; env?: Record<string, string> }): this {
    this.lastStart = { command, args, options };
    this.exitCode = null;
    this.stoppedOnPurpose = false;
    const fd = openSync(this.logFile, 'a');
    try {
      const child = spawn(command, args, {
        cwd: options.cwd,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env },
        stdio: ['ignore', fd, fd],
      });
      this.child = child;
      live.add(child);
      child.once('exit', (code, signal) => {
        live.delete(child);
        this.exitCode = code ?? (signal ? 128 : -1);
      });
      child.once('error', (err) => {
        live.delete(child);
        this.exitCode = -1;
        writeFileSync(this.logFile, `spawn failed: ${err.message}\n`, { flag: 'a' });
      });
    } finally {
      closeSync(fd);
    }
    return this;
  }

  /** Starts it again with the same command, arguments and environment (after `stop()`). */
  restart(): this {
    if (!this.lastStart) throw new Error(`${this.name} was never started`);
    if (this.running) throw new Error(`${this.name} is still running`);
    const { command, args, options } = this.lastStart;
    return this.start(command, args, options);
  }

  get running(): boolean {
    return this.child !== undefined && this.exitCode === null;
  }

  /** The last lines it printed (for failure messages). */
  tail(lines = 25): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no output)';
    }
  }

  /** Waits for the process to exit by itself; kills it after `timeoutMs`. Returns its exit code. */
  async wait(timeoutMs: number): Promise<number> {
    const child = this.child;
    if (child && this.exitCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    }
    return this.exitCode ?? -1;
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || this.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * Polls `probe` until it returns something other than undefined/false, at most `timeoutMs`.
 * `fatal` is checked first on every round: when it returns a message, polling stops at once.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  { timeoutMs, intervalMs = 500, fatal }: { timeoutMs: number; intervalMs?: number; fatal?: () => string | undefined },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const dead = fatal?.();
    if (dead) throw new Error(`${what}: ${dead}`);
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const why = lastError instanceof Error ? lastError.message : lastError === undefined ? '' : String(lastError);
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${why ? ` (last error: ${why})` : ''}`);
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await res.arrayBuffer();
  return res.ok;
}

async function waitHealthy(component: Component, url: string, timeoutMs = 60_000): Promise<void> {
  await until(`${component.name} to answer ${url}`, () => httpOk(url), {
    timeoutMs,
    intervalMs: 250,
    fatal: () => (component.exitCode !== null ? `exited with ${component.exitCode}:\n${component.tail()}` : undefined),
  });
}

// ---------------------------------------------------------------------------------------
// Mailpit: the mail catcher Alertmanager sends to, read through its API.
// ---------------------------------------------------------------------------------------

export interface Mail {
  from: string;
  to: string[];
  subject: string;
}

interface MailpitAddress {
  Address: string;
}
interface MailpitMessages {
  messages: Array<{ From: MailpitAddress | null; To: MailpitAddress[] | null; Subject: string }>;
}

/**
 * The e-mails Mailpit holds, newest first, as a learner sees them on its web page (which
 * reads the same API: GET /api/v1/messages).
 */
export async function mailpitMessages(mailpitUrl: string): Promise<Mail[]> {
  const res = await fetch(`${mailpitUrl}/api/v1/messages?limit=500`, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`Mailpit answered ${res.status} to GET /api/v1/messages`);
  const body = (await res.json()) as MailpitMessages;
  return body.messages.map((m) => ({
    from: m.From?.Address ?? '',
    to: (m.To ?? []).map((t) => t.Address),
    subject: m.Subject,
  }));
}

// ---------------------------------------------------------------------------------------
// Config rewrites (see the header comment for the why of each).
// ---------------------------------------------------------------------------------------

/** `host:port` of an `endpoint` setting, checked to be what the repository's config says. */
function expectEndpoint(actual: unknown, expected: string, where: string): void {
  if (actual !== expected) {
    throw new Error(`${where} is ${JSON.stringify(actual)}, expected ${expected}: update tests/stack/native-stack.ts`);
  }
}

interface PullReader {
  pull: { exporter: { prometheus: { host: string; port: number } } };
}

/** The same telemetry readers, with the one Prometheus pull endpoint moved to loopback. */
function loopbackReaders(readers: PullReader[], port: number, where: string): PullReader[] {
  const pulls = readers.filter((r) => r.pull?.exporter?.prometheus);
  if (pulls.length !== 1) throw new Error(`${where}: expected one prometheus pull reader`);
  return readers.map((reader) =>
    reader.pull?.exporter?.prometheus
      ? { pull: { ...reader.pull, exporter: { prometheus: { ...reader.pull.exporter.prometheus, host: '127.0.0.1', port } } } }
      : reader,
  );
}

export interface CollectorPorts {
  otlpGrpc: number;
  otlpHttp: number;
  health: number;
  zpages: number;
  metrics: number;
}

/** The second --config for the collector: its listeners on loopback, nothing else. */
export function collectorOverlay(ports: CollectorPorts): object {
  const config = readYaml('otel-collector/config.yaml');
  const where = 'otel-collector/config.yaml';
  expectEndpoint(config.receivers.otlp.protocols.grpc.endpoint, '0.0.0.0:4317', `${where} otlp grpc`);
  expectEndpoint(config.receivers.otlp.protocols.http.endpoint, '0.0.0.0:4318', `${where} otlp http`);
  expectEndpoint(config.extensions.health_check.endpoint, '0.0.0.0:13133', `${where} health_check`);
  expectEndpoint(config.extensions.zpages.endpoint, '0.0.0.0:55679', `${where} zpages`);
  return {
    receivers: {
      otlp: {
        protocols: { grpc: { endpoint: `127.0.0.1:${ports.otlpGrpc}` }, http: { endpoint: `127.0.0.1:${ports.otlpHttp}` } },
      },
    },
    extensions: {
      health_check: { endpoint: `127.0.0.1:${ports.health}` },
      zpages: { endpoint: `127.0.0.1:${ports.zpages}` },
    },
    service: {
      telemetry: { metrics: { readers: loopbackReaders(config.service.telemetry.metrics.readers, ports.metrics, where) } },
    },
  };
}

export interface JaegerPorts {
  otlpGrpc: number;
  queryHttp: number;
  queryGrpc: number;
  health: number;
  metrics: number;
}

/** The second --config for Jaeger: its listeners on loopback, nothing else. */
export function jaegerOverlay(ports: JaegerPorts): object {
  const config = readYaml('jaeger/config.yaml');
  const where = 'jaeger/config.yaml';
  expectEndpoint(config.receivers.otlp.protocols.grpc.endpoint, '0.0.0.0:4317', `${where} otlp grpc`);
  expectEndpoint(config.extensions.jaeger_query.http.endpoint, '0.0.0.0:16686', `${where} jaeger_query http`);
  expectEndpoint(config.extensions.jaeger_query.grpc.endpoint, '0.0.0.0:16685', `${where} jaeger_query grpc`);
  expectEndpoint(config.extensions.healthcheckv2.http.endpoint, '0.0.0.0:13133', `${where} healthcheckv2`);
  return {
    receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${ports.otlpGrpc}` } } } },
    extensions: {
      jaeger_query: {
        http: { endpoint: `127.0.0.1:${ports.queryHttp}` },
        grpc: { endpoint: `127.0.0.1:${ports.queryGrpc}` },
      },
      healthcheckv2: { http: { endpoint: `127.0.0.1:${ports.health}` } },
    },
    service: {
      telemetry: { metrics: { readers: loopbackReaders(config.service.telemetry.metrics.readers, ports.metrics, where) } },
    },
  };
}

/**
 * prometheus.yml with loopback targets and a 5 s rule evaluation interval. `targets` maps
 * every `host:port` the file names to its loopback replacement; an unknown one is an error,
 * so a new scrape job cannot silently go unscraped here.
 */
export function prometheusConfig(targets: Record<string, string>): any {
  const config = readYaml('prometheus/prometheus.yml');
  const mapTarget = (target: string) => {
    const mapped = targets[target];
    if (!mapped) throw new Error(`prometheus/prometheus.yml names ${target}: map it in tests/stack/native-stack.ts`);
    return mapped;
  };
  config.global.evaluation_interval = EVALUATION_INTERVAL;
  for (const am of config.alerting.alertmanagers) {
    for (const sc of am.static_configs) sc.targets = sc.targets.map(mapTarget);
  }
  for (const job of config.scrape_configs) {
    for (const sc of job.static_configs ?? []) sc.targets = sc.targets.map(mapTarget);
  }
  return config;
}

/** alertmanager.yml with the mail server (mailpit:1025 in compose) moved to Mailpit's loopback port. */
export function alertmanagerConfig(smtpPort: number): any {
  const config = readYaml('prometheus/alertmanager.yml');
  expectEndpoint(config.global.smtp_smarthost, 'mailpit:1025', 'prometheus/alertmanager.yml smtp_smarthost');
  config.global.smtp_smarthost = `127.0.0.1:${smtpPort}`;
  return config;
}

// ---------------------------------------------------------------------------------------
// The stack.
// ---------------------------------------------------------------------------------------

/** Distinct free loopback ports. */
async function freePorts<K extends string>(names: readonly K[]): Promise<Record<K, number>> {
  const taken = new Set<number>();
  const out = {} as Record<K, number>;
  for (const name of names) {
    let port = await freePort();
    for (let i = 0; i < 20 && taken.has(port); i++) port = await freePort();
    taken.add(port);
    out[name] = port;
  }
  return out;
}

const PORT_NAMES = [
  'prometheus',
  'alertmanager',
  'mailpitSmtp',
  'mailpitHttp',
  'grafanaClosed',
  'lokiHttp',
  'jaegerOtlp',
  'jaegerQuery',
  'jaegerQueryGrpc',
  'jaegerHealth',
  'jaegerMetrics',
  'collectorGrpc',
  'collectorHttp',
  'collectorHealth',
  'collectorZpages',
  'collectorMetrics',
  'frontend',
  'user',
  'product',
  'order',
] as const;
export type StackPorts = Record<(typeof PORT_NAMES)[number], number>;

export interface StackOptions {
  /** Log lines of the start-up (e.g. `t.diagnostic`). */
  log?: (message: string) => void;
  /** Extra environment for all four services (e.g. `{ OTEL_SDK_DISABLED: 'true' }`), over the defaults. */
  serviceEnv?: Record<string, string>;
}

export class NativeStack {
  readonly dir: string;
  readonly startedAt = Date.now();
  readonly components: Component[] = [];
  readonly services = new Map<ServiceName, ServiceProcess>();
  db: MariaDb | undefined;
  private dbStarting: Promise<MariaDb> | undefined;
  ports!: StackPorts;

  private constructor(dir: string) {
    this.dir = dir;
  }

  get prometheusUrl(): string {
    return `http://127.0.0.1:${this.ports.prometheus}`;
  }
  get alertmanagerUrl(): string {
    return `http://127.0.0.1:${this.ports.alertmanager}`;
  }
  get jaegerUrl(): string {
    return `http://127.0.0.1:${this.ports.jaegerQuery}`;
  }
  get mailpitUrl(): string {
    return `http://127.0.0.1:${this.ports.mailpitHttp}`;
  }
  /** The e-mails Mailpit received so far (Alertmanager's notifications). */
  mails(): Promise<Mail[]> {
    return mailpitMessages(this.mailpitUrl);
  }
  get lokiUrl(): string {
    return `http://127.0.0.1:${this.ports.lokiHttp}`;
  }

  service(name: ServiceName): ServiceProcess {
    const service = this.services.get(name);
    if (!service) throw new Error(`${name} is not running`);
    return service;
  }

  /** Starts everything, or stops what it started and throws. */
  static async start(options: StackOptions | ((message: string) => void) = {}): Promise<NativeStack> {
    const { log = () => {}, serviceEnv = {} } = typeof options === 'function' ? { log: options } : options;
    checkPrerequisites();
    installExitGuard();
    const stack = new NativeStack(mkdtempSync(path.join(tmpdir(), 'shopscope-fullstack-')));
    try {
      await stack.boot(log, serviceEnv);
    } catch (err) {
      await stack.stop();
      throw err;
    }
    return stack;
  }

  /** A component that should run but has exited, if any (to stop waiting at once). */
  problem(): string | undefined {
    const dead = this.components.find((c) => c.exitCode !== null && !c.stoppedOnPurpose);
    return dead ? `${dead.name} exited with ${dead.exitCode}:\n${dead.tail()}` : undefined;
  }

  private component(name: string): Component {
    const component = new Component(name, path.join(this.dir, `${name}.log`));
    this.components.push(component);
    return component;
  }

  /**
   * Starts a collector-based binary (the collector itself, Jaeger v2) on the repository's
   * config plus a second `--config` that only moves its listeners to loopback ports.
   */
  private startWithLoopbackOverlay(
    name: string,
    binary: string,
    repoConfig: string,
    overlay: unknown,
    env: Record<string, string>,
  ): Component {
    const dir = path.join(this.dir, name);
    mkdirSync(dir);
    const overlayFile = path.join(dir, 'loopback.yaml');
    writeFileSync(overlayFile, JSON.stringify(overlay, null, 2));
    return this.component(name).start(binary, [`--config=${repoPath(repoConfig)}`, `--config=${overlayFile}`], {
      cwd: dir,
      env,
    });
  }

  private async boot(log: (message: string) => void, serviceEnv: Record<string, string>): Promise<void> {
    const ports = await freePorts(PORT_NAMES);
    this.ports = ports;
    const loopback = (port: number) => `127.0.0.1:${port}`;
    const serviceUrl = (name: 'frontend' | 'user' | 'product' | 'order') => `http://127.0.0.1:${ports[name]}`;

    // The backends first (the compose order: prometheus, loki, jaeger → alertmanager,
    // collector → services), MariaDB alongside.
    const dbStarting = MariaDb.start();
    this.dbStarting = dbStarting;
    const mailpitDir = path.join(this.dir, 'mailpit');
    mkdirSync(mailpitDir);
    // As in compose (MP_MAX_MESSAGES), with its listeners and database moved here.
    const mailpit = this.component('mailpit').start(
      toolPath('MAILPIT'),
      [
        `--smtp=${loopback(ports.mailpitSmtp)}`,
        `--listen=${loopback(ports.mailpitHttp)}`,
        `--database=${path.join(mailpitDir, 'mailpit.db')}`,
      ],
      { cwd: mailpitDir, env: { MP_MAX_MESSAGES: readEnvFile('.env.example').get('MAILPIT_MAX_MESSAGES') ?? '500' } },
    );

    const promDir = path.join(this.dir, 'prometheus');
    mkdirSync(promDir);
    symlinkSync(repoPath('prometheus/rules'), path.join(promDir, 'rules'));
    const promConfig = prometheusConfig({
      'localhost:9090': loopback(ports.prometheus),
      'otel-collector:8888': loopback(ports.collectorMetrics),
      'alertmanager:9093': loopback(ports.alertmanager),
      'jaeger:8888': loopback(ports.jaegerMetrics),
      'loki:3100': loopback(ports.lokiHttp),
      'grafana:3000': loopback(ports.grafanaClosed),
    });
    writeFileSync(path.join(promDir, 'prometheus.yml'), JSON.stringify(promConfig, null, 2));
    const prometheus = this.component('prometheus').start(
      toolPath('PROMETHEUS'),
      [
        `--config.file=${path.join(promDir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(promDir, 'data')}`,
        '--storage.tsdb.retention.time=30d',
        '--storage.tsdb.retention.size=2GB',
        '--web.enable-otlp-receiver',
        '--web.enable-remote-write-receiver',
        '--enable-feature=exemplar-storage',
        '--enable-feature=created-timestamp-zero-ingestion',
        '--web.enable-lifecycle',
        `--web.listen-address=${loopback(ports.prometheus)}`,
        `--web.external-url=http://${loopback(ports.prometheus)}`,
      ],
      { cwd: promDir },
    );

    const amDir = path.join(this.dir, 'alertmanager');
    mkdirSync(amDir);
    writeFileSync(path.join(amDir, 'alertmanager.yml'), JSON.stringify(alertmanagerConfig(ports.mailpitSmtp), null, 2));
    const alertmanager = this.component('alertmanager').start(
      toolPath('ALERTMANAGER'),
      [
        `--config.file=${path.join(amDir, 'alertmanager.yml')}`,
        `--storage.path=${path.join(amDir, 'data')}`,
        `--web.listen-address=${loopback(ports.alertmanager)}`,
        `--web.external-url=http://${loopback(ports.alertmanager)}`,
        '--cluster.listen-address=',
      ],
      { cwd: amDir },
    );

    // Loki: its stand-in (loki-standin.ts), a Node process of its own, on loki/config.yaml.
    const lokiDir = path.join(this.dir, 'loki');
    mkdirSync(lokiDir);
    const loki = this.component('loki').start(
      process.execPath,
      [repoPath('tests/stack/loki-standin.ts'), `--port=${ports.lokiHttp}`, `--config=${repoPath('loki/config.yaml')}`],
      { cwd: lokiDir },
    );

    const jaeger = this.startWithLoopbackOverlay(
      'jaeger',
      toolPath('JAEGER'),
      'jaeger/config.yaml',
      jaegerOverlay({
        otlpGrpc: ports.jaegerOtlp,
        queryHttp: ports.jaegerQuery,
        queryGrpc: ports.jaegerQueryGrpc,
        health: ports.jaegerHealth,
        metrics: ports.jaegerMetrics,
      }),
      {
        PROMETHEUS_URL: this.prometheusUrl,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://${loopback(ports.jaegerOtlp)}`,
      },
    );

    await Promise.all([
      waitHealthy(prometheus, `${this.prometheusUrl}/-/ready`),
      waitHealthy(alertmanager, `${this.alertmanagerUrl}/-/ready`),
      waitHealthy(mailpit, `${this.mailpitUrl}/readyz`),
      waitHealthy(jaeger, `http://${loopback(ports.jaegerHealth)}/status`),
      // The stand-in is ready at once (the real Loki took ~15 s, its ingester joining the ring).
      waitHealthy(loki, `${this.lokiUrl}/ready`),
    ]);
    log('prometheus, alertmanager, jaeger and the loki stand-in are ready');

    const collector = this.startWithLoopbackOverlay(
      'otel-collector',
      toolPath('OTELCOL'),
      'otel-collector/config.yaml',
      collectorOverlay({
        otlpGrpc: ports.collectorGrpc,
        otlpHttp: ports.collectorHttp,
        health: ports.collectorHealth,
        zpages: ports.collectorZpages,
        metrics: ports.collectorMetrics,
      }),
      {
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
        JAEGER_OTLP_ENDPOINT: loopback(ports.jaegerOtlp),
        PROMETHEUS_OTLP_ENDPOINT: `${this.prometheusUrl}/api/v1/otlp`,
        LOKI_OTLP_ENDPOINT: `${this.lokiUrl}/otlp`,
        FRONTEND_URL: serviceUrl('frontend'),
        USER_SERVICE_URL: serviceUrl('user'),
        PRODUCT_SERVICE_URL: serviceUrl('product'),
        ORDER_SERVICE_URL: serviceUrl('order'),
      },
    );
    await waitHealthy(collector, `http://${loopback(ports.collectorHealth)}/`);
    log('the collector is ready');

    this.db = await dbStarting;
    const dbDir = this.db.dir;
    guarded.add(() => {
      try {
        return Number(readFileSync(path.join(dbDir, 'mysqld.pid'), 'utf8').trim()) || undefined;
      } catch {
        return undefined;
      }
    });
    const [userDb, productDb, orderDb] = await Promise.all([
      this.db.createDatabase('user_db'),
      this.db.createDatabase('product_db'),
      this.db.createDatabase('order_db'),
    ]);
    const telemetry = {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://${loopback(ports.collectorGrpc)}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_METRIC_EXPORT_INTERVAL: String(METRIC_EXPORT_INTERVAL_MS),
      DEPLOYMENT_ENVIRONMENT: 'test',
      LOG_LEVEL: 'info',
    };
    // /readyz needs only each service's own database, so all four can start at once. Each
    // process is registered before it starts, so `stop()` finds it even if it never gets ready.
    const specs: Array<[ServiceName, number, Record<string, string>]> = [
      ['user-service', ports.user, { DATABASE_URL: userDb }],
      ['product-service', ports.product, { DATABASE_URL: productDb, USER_SERVICE_URL: serviceUrl('user') }],
      [
        'order-service',
        ports.order,
        { DATABASE_URL: orderDb, USER_SERVICE_URL: serviceUrl('user'), PRODUCT_SERVICE_URL: serviceUrl('product') },
      ],
      [
        'frontend',
        ports.frontend,
        {
          USER_SERVICE_URL: serviceUrl('user'),
          PRODUCT_SERVICE_URL: serviceUrl('product'),
          ORDER_SERVICE_URL: serviceUrl('order'),
          SESSION_SECRET: 'fullstack-session-secret-0123456789abcdef',
          LANG: 'en',
        },
      ],
    ];
    for (const [name, port, env] of specs) {
      const service = new ServiceProcess(SERVICE_DIRS[name], port, {
        ...telemetry,
        OTEL_SERVICE_NAME: name,
        ...env,
        ...serviceEnv,
      });
      this.services.set(name, service);
      guarded.add(() => (service.exitCode === null ? service.pid : undefined));
    }
    const started = await Promise.allSettled([...this.services.values()].map((s) => s.start()));
    const failures = started.flatMap((result, i) =>
      result.status === 'rejected' ? [`${specs[i]?.[0]}: ${result.reason instanceof Error ? result.reason.message : String(result.reason)}`] : [],
    );
    if (failures.length > 0) throw new Error(`services did not start:\n${failures.join('\n')}`);
    log('the four services are ready');
  }

  // -------------------------------------------------------------------------------------
  // Failure scenarios: what `docker compose kill/stop/start <container>` does in compose.
  // -------------------------------------------------------------------------------------

  get collectorHealthUrl(): string {
    return `http://127.0.0.1:${this.ports.collectorHealth}/`;
  }

  /** Stops a service with a signal (SIGKILL = a crash) and waits until it has exited. */
  async stopService(name: ServiceName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.service(name).stop(signal);
  }

  /** Starts a stopped service again on the same port and environment; waits for /readyz 200. */
  async startService(name: ServiceName): Promise<void> {
    const service = this.service(name);
    if (service.exitCode === null && service.pid !== undefined) return;
    await service.start();
  }

  /**
   * Restarts the four services (SIGTERM, so they flush telemetry) with `serviceEnv` over
   * their start-up environment, on the same ports — e.g. `{ OTEL_SDK_DISABLED: 'true' }`
   * for a telemetry-off run of a benchmark. Waits until all four are ready.
   */
  async restartServices(serviceEnv: Record<string, string>): Promise<void> {
    const old = [...this.services.entries()];
    await Promise.all(old.map(([, s]) => s.stop('SIGTERM')));
    for (const [name, service] of old) {
      const next = new ServiceProcess(service.name, service.port, { ...service.env, ...serviceEnv });
      this.services.set(name, next);
      guarded.add(() => (next.exitCode === null ? next.pid : undefined));
    }
    await Promise.all([...this.services.values()].map((s) => s.start()));
  }

  private get collector(): Component {
    const collector = this.components.find((c) => c.name === 'otel-collector');
    if (!collector) throw new Error('the collector was never started');
    return collector;
  }

  /** Stops the collector (SIGTERM, as `docker compose stop`). */
  async stopCollector(): Promise<void> {
    const collector = this.collector;
    collector.stoppedOnPurpose = true;
    await collector.stop();
  }

  /** Starts the collector again with the same config and ports; waits for its health check. */
  async startCollector(): Promise<void> {
    const collector = this.collector;
    if (!collector.running) collector.restart();
    await waitHealthy(collector, this.collectorHealthUrl);
  }

  /**
   * Stops the MariaDB server. Natively one server holds the three databases (compose has one
   * container per service), so all three backends lose their database at once.
   */
  async stopDatabase(): Promise<void> {
    await this.db?.stopServer();
  }

  /** Starts the MariaDB server again on the same port and data directory. */
  async startDatabase(): Promise<void> {
    await this.db?.startServer();
  }

  /** Stops everything it started (services first, so they flush telemetry), removes the data. */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.services.values()].map((s) => s.stop()));
    const byName = (name: string) => this.components.filter((c) => c.name === name);
    await Promise.allSettled(byName('otel-collector').map((c) => c.stop()));
    await Promise.allSettled(this.components.map((c) => c.stop()));
    // A MariaDB still starting when something else failed is waited for, then removed.
    const db = this.db ?? (await this.dbStarting?.catch(() => undefined));
    await db?.destroy().catch(() => {});
    if (process.env.SHOPSCOPE_FULLSTACK_KEEP === '1') {
      process.stderr.write(`full-stack test: logs and data kept in ${this.dir}\n`);
    } else {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** Last lines of every component's log (for a failing assertion's message). */
  logTails(lines = 10): string {
    return this.components.map((c) => `--- ${c.name} (exit ${c.exitCode ?? 'running'})\n${c.tail(lines)}`).join('\n');
  }
}
