/**
 * The whole ShopScope stack as native processes on loopback, for the stack tests and the
 * benchmark: a throwaway MariaDB, the four services on Node 24, the real OpenTelemetry
 * Collector, Prometheus, Alertmanager, Jaeger v2 and Mailpit built by
 * scripts/ci/build-tools.sh at the versions docker-compose.yml pins, and a stand-in for Loki
 * (standins/loki-standin.ts: Loki is AGPL and is not built here). Every listener is on
 * 127.0.0.1 and a free port; every data directory lives under one temporary directory,
 * removed by `stop()`.
 *
 * Each component runs the repository's own config file, with docker-compose.yml's command
 * line (compose-args.ts: read from the file, never retyped). Where compose relies on
 * container hostnames, paths and fixed ports, the change is the smallest one that works,
 * made by the component's module, so the difference from `docker compose up` is explicit:
 *
 * - collector.ts, jaeger.ts: the repository's config unchanged plus a second `--config`
 *   moving only the listeners; backends and probe targets from the environment variables
 *   the configs already read (JAEGER_OTLP_ENDPOINT, PROMETHEUS_OTLP_ENDPOINT,
 *   LOKI_OTLP_ENDPOINT, FRONTEND_URL…, PROMETHEUS_URL);
 * - prometheus.ts: a copy of prometheus.yml with loopback targets and a 5 s
 *   `evaluation_interval` (alerts turn pending sooner); the rule files and every `for:`
 *   unchanged; Grafana's scrape target a closed port (up == 0);
 * - alertmanager.ts: a copy of alertmanager.yml with the mail server on Mailpit's loopback port;
 * - mailpit.ts: its listeners and database moved to loopback and the stack's directory;
 * - loki.ts: the stand-in on compose's Loki command line mapped onto its own; its header
 *   says what only the real Loki image can prove;
 * - services.ts: compose's environment with loopback addresses and a 2 s metric export
 *   interval instead of 10 s.
 *
 * Every process is supervised by process.ts (logs in `<dir>/<name>.log`, or in memory for
 * the services; readiness; `problem()` when one has died).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { alertmanagerArgs, alertmanagerProcess } from './alertmanager.ts';
import { collectorArgs, collectorProcess } from './collector.ts';
import type { ComposeServices } from './compose-args.ts';
import { jaegerArgs, jaegerProcess } from './jaeger.ts';
import { httpUrl, PORT_NAMES, type StackLayout, type StackPorts } from './layout.ts';
import { lokiArgs, lokiProcess } from './loki.ts';
import { mailpitArgs, mailpitProcess } from './mailpit.ts';
import { type MariaDb, serviceDatabases, startMariaDb } from './mariadb.ts';
import { freePorts } from './ports.ts';
import { checkPrerequisites } from './prerequisites.ts';
import { type ProcessSpec, Supervised } from './process.ts';
import { prometheusArgs, prometheusProcess } from './prometheus.ts';
import { type ServiceName, type ShopService, shopServices, startServices } from './services.ts';
import { type Mail, MailpitApi } from './stack-api.ts';

export type { StackPorts } from './layout.ts';
export { EVALUATION_INTERVAL } from './overlays.ts';
export { checkPrerequisites } from './prerequisites.ts';
export {
  ADMIN_TOKEN,
  METRIC_EXPORT_INTERVAL_MS,
  SERVICE_NAMES,
  type ServiceName,
  type ShopService,
} from './services.ts';
export type { Mail } from './stack-api.ts';
export { until } from './wait.ts';

/**
 * The native command line of every component started from docker-compose.yml's, by compose
 * service name (no file written, nothing started): what compose.test.ts checks can be mapped.
 */
export function nativeCommandLines(layout: StackLayout, services?: ComposeServices): Record<string, string[]> {
  return {
    prometheus: prometheusArgs(layout, services),
    alertmanager: alertmanagerArgs(layout, services),
    mailpit: mailpitArgs(layout, services),
    jaeger: jaegerArgs(layout, services),
    'otel-collector': collectorArgs(layout, services),
    loki: lokiArgs(layout, services),
  };
}

export interface StackOptions {
  /** Log lines of the start-up (e.g. `t.diagnostic`). */
  log?: (message: string) => void;
  /** Extra environment for all four services (e.g. `{ OTEL_SDK_DISABLED: 'true' }`), over the defaults. */
  serviceEnv?: Record<string, string>;
}

export class NativeStack {
  readonly dir: string;
  readonly startedAt = Date.now();
  /** The backends (everything but the services and MariaDB), in start order. */
  readonly components: Supervised[] = [];
  readonly services = new Map<ServiceName, ShopService>();
  db: MariaDb | undefined;
  private dbStarting: Promise<MariaDb> | undefined;
  ports!: StackPorts;

  private constructor(dir: string) {
    this.dir = dir;
  }

  get prometheusUrl(): string {
    return httpUrl(this.ports.prometheus);
  }
  get alertmanagerUrl(): string {
    return httpUrl(this.ports.alertmanager);
  }
  get jaegerUrl(): string {
    return httpUrl(this.ports.jaegerQuery);
  }
  get mailpitUrl(): string {
    return httpUrl(this.ports.mailpitHttp);
  }
  get lokiUrl(): string {
    return httpUrl(this.ports.lokiHttp);
  }
  get collectorHealthUrl(): string {
    return `${httpUrl(this.ports.collectorHealth)}/`;
  }

  /** The e-mails Mailpit received so far (Alertmanager's notifications). */
  mails(): Promise<Mail[]> {
    return new MailpitApi(this.mailpitUrl).messages();
  }

  service(name: ServiceName): ShopService {
    const service = this.services.get(name);
    if (!service) throw new Error(`${name} is not running`);
    return service;
  }

  /** A backend by name (`otel-collector`, `prometheus`, `loki`…). */
  component(name: string): Supervised {
    const component = this.components.find((c) => c.name === name);
    if (!component) throw new Error(`${name} was never started`);
    return component;
  }

  /** Starts everything, or stops what it started and throws. */
  static async start(options: StackOptions | ((message: string) => void) = {}): Promise<NativeStack> {
    const { log = () => {}, serviceEnv = {} } = typeof options === 'function' ? { log: options } : options;
    checkPrerequisites();
    const stack = new NativeStack(mkdtempSync(path.join(tmpdir(), 'shopscope-fullstack-')));
    try {
      await stack.boot(log, serviceEnv);
    } catch (err) {
      await stack.stop();
      throw err;
    }
    return stack;
  }

  /** A process that should run but has exited, if any (to stop waiting at once). */
  problem(): string | undefined {
    for (const running of [...this.components, ...this.services.values()]) {
      const problem = running.problem();
      if (problem) return problem;
    }
    return undefined;
  }

  private launch(spec: ProcessSpec): Supervised {
    const component = new Supervised(spec);
    this.components.push(component);
    return component.start();
  }

  /** compose's start order (prometheus, loki, jaeger, mailpit → alertmanager, collector → services), MariaDB alongside. */
  private async boot(log: (message: string) => void, serviceEnv: Record<string, string>): Promise<void> {
    this.ports = await freePorts(PORT_NAMES);
    const layout: StackLayout = { dir: this.dir, ports: this.ports };
    this.dbStarting = startMariaDb();
    const backends = [mailpitProcess, prometheusProcess, alertmanagerProcess, lokiProcess, jaegerProcess].map((spec) =>
      this.launch(spec(layout)),
    );
    await Promise.all(backends.map((backend) => backend.ready()));
    log('prometheus, alertmanager, mailpit, jaeger and the loki stand-in are ready');
    // The collector's MySQL receivers need the database's address.
    this.db = await this.dbStarting;
    await this.launch(collectorProcess(layout, this.db.port)).ready();
    log('the collector is ready');
    // Registered before they start, so that `stop()` finds each even if it never gets ready.
    for (const service of shopServices(layout, await serviceDatabases(this.db), serviceEnv))
      this.services.set(service.service, service);
    await startServices([...this.services.values()]);
    log('the four services are ready');
  }

  // -------------------------------------------------------------------------------------
  // Failure scenarios: what `docker compose kill/stop/start <container>` does in compose.
  // -------------------------------------------------------------------------------------

  /** Stops a service with a signal (SIGKILL = a crash) and waits until it has exited. */
  async stopService(name: ServiceName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.service(name).stop(signal);
  }

  /** Starts a stopped service again on the same port and environment; waits for /readyz 200. */
  async startService(name: ServiceName): Promise<void> {
    const service = this.service(name);
    if (!service.running) service.start();
    await service.ready();
  }

  /**
   * Restarts the four services (SIGTERM, so they flush telemetry) with `serviceEnv` over
   * their start-up environment, on the same ports — e.g. `{ OTEL_SDK_DISABLED: 'true' }`
   * for a telemetry-off run of a benchmark. Waits until all four are ready.
   */
  async restartServices(serviceEnv: Record<string, string>): Promise<void> {
    const old = [...this.services.values()];
    await Promise.all(old.map((s) => s.stop('SIGTERM')));
    for (const service of old) this.services.set(service.service, service.with(serviceEnv));
    await startServices([...this.services.values()]);
  }

  /** Stops the collector (SIGTERM, as `docker compose stop`). */
  async stopCollector(): Promise<void> {
    await this.component('otel-collector').stop();
  }

  /** Starts the collector again with the same config and ports; waits for its health check. */
  async startCollector(): Promise<void> {
    const collector = this.component('otel-collector');
    if (!collector.running) collector.start();
    await collector.ready();
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

  /** Stops everything it started (services first, so they flush telemetry, then the collector), removes the data. */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.services.values()].map((s) => s.stop()));
    await Promise.allSettled(this.components.filter((c) => c.name === 'otel-collector').map((c) => c.stop()));
    await Promise.allSettled(this.components.map((c) => c.stop()));
    // A MariaDB still starting when something else failed is waited for, then removed.
    const db = this.db ?? (await this.dbStarting?.catch(() => undefined));
    await db?.destroy().catch(() => {});
    if (process.env.SHOPSCOPE_FULLSTACK_KEEP === '1') {
      process.stderr.write(`native stack: logs and data kept in ${this.dir}\n`);
    } else {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** Last lines of every process's output (for a failing assertion's message). */
  logTails(lines = 10): string {
    return [...this.components, ...this.services.values()]
      .map((c) => `--- ${c.name} (exit ${c.exitCode ?? 'running'})\n${c.tail(lines)}`)
      .join('\n');
  }
}
