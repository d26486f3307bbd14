/**
 * The OpenTelemetry Collector in the native stack (the binary built from
 * otel-collector/builder-config.yaml): docker-compose.yml's command line (compose-args.ts),
 * whose `--config` names the repository's otel-collector/config.yaml, unchanged, plus a second
 * `--config` (merged over it by the collector) that moves only its listeners — OTLP gRPC/HTTP,
 * health_check, zpages, its own metrics — to loopback ports (overlays.ts). Backends and probe
 * targets come from the environment variables the config already reads.
 * `overlaidConfigArgs` serves Jaeger v2 (a collector too) the same way.
 */
import path from 'node:path';
import { type ComposeServices, mountedRepoFile, nativeArgs } from './compose-args.ts';
import { componentDir, httpUrl, logFile, loopback, type StackLayout } from './layout.ts';
import { MONITORING_ACCOUNT } from './mariadb.ts';
import { collectorOverlay, writeConfig } from './overlays.ts';
import type { ProcessSpec } from './process.ts';
import { repoPath, toolPath } from './repo.ts';

const NAME = 'otel-collector';

/** The loopback overlay of a collector-based component, next to its data. */
export function overlayFile(layout: StackLayout, name: string): string {
  return path.join(componentDir(layout, name), 'loopback.yaml');
}

/** compose's `--config=<mounted file>` as the repository's file, then the loopback overlay. */
export function overlaidConfigArgs(name: string, layout: StackLayout, services?: ComposeServices): string[] {
  return nativeArgs(
    name,
    {
      rewrite: { '--config': (value, service) => `--config=${repoPath(mountedRepoFile(service, value, '--config'))}` },
      add: [`--config=${overlayFile(layout, name)}`],
    },
    services,
  );
}

export function collectorArgs(layout: StackLayout, services?: ComposeServices): string[] {
  return overlaidConfigArgs(NAME, layout, services);
}

/**
 * The collector, whose three MySQL receivers (one per database in compose) all read the
 * native stack's single MariaDB server at `databasePort`: the Databases dashboard then
 * shows the same server three times, under the three names.
 */
export function collectorProcess(layout: StackLayout, databasePort: number): ProcessSpec {
  const dir = componentDir(layout, NAME, true);
  const { ports } = layout;
  writeConfig(
    overlayFile(layout, NAME),
    collectorOverlay({
      otlpGrpc: ports.collectorGrpc,
      otlpHttp: ports.collectorHttp,
      health: ports.collectorHealth,
      zpages: ports.collectorZpages,
      metrics: ports.collectorMetrics,
    }),
  );
  return {
    name: NAME,
    command: toolPath('OTELCOL'),
    args: collectorArgs(layout),
    cwd: dir,
    env: {
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
      JAEGER_OTLP_ENDPOINT: loopback(ports.jaegerOtlp),
      PROMETHEUS_OTLP_ENDPOINT: `${httpUrl(ports.prometheus)}/api/v1/otlp`,
      LOKI_OTLP_ENDPOINT: `${httpUrl(ports.lokiHttp)}/otlp`,
      FRONTEND_URL: httpUrl(ports.frontend),
      USER_SERVICE_URL: httpUrl(ports.user),
      PRODUCT_SERVICE_URL: httpUrl(ports.product),
      ORDER_SERVICE_URL: httpUrl(ports.order),
      USER_DB_ADDRESS: `127.0.0.1:${databasePort}`,
      PRODUCT_DB_ADDRESS: `127.0.0.1:${databasePort}`,
      ORDER_DB_ADDRESS: `127.0.0.1:${databasePort}`,
      MYSQL_MONITOR_USER: MONITORING_ACCOUNT.user,
      MYSQL_MONITOR_PASSWORD: MONITORING_ACCOUNT.password,
    },
    logFile: logFile(layout, NAME),
    readyUrl: `${httpUrl(ports.collectorHealth)}/`,
  };
}
