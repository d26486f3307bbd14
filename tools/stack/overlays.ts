/**
 * Config overlays: the repository's config files with only their addresses moved to loopback
 * (see native-stack.ts for the why of each). Every address rewritten is first checked to be
 * what the repository's file says, so a change there fails here with a clear message instead
 * of silently going unrewritten.
 *
 * - the collector and Jaeger v2 read a second `--config` merged over the repository's: it
 *   moves only their listeners;
 * - prometheus.yml and alertmanager.yml are copied with their targets and mail server moved
 *   (and Prometheus's rule evaluation interval shortened), written as JSON (which is YAML).
 */
import { writeFileSync } from 'node:fs';
import { readYaml } from './repo.ts';

/** Rule evaluation interval of the native stack's Prometheus (prometheus.yml: 15 s), so alerts turn pending sooner. */
export const EVALUATION_INTERVAL = '5s';

/** Writes a config (overlay or copy) as JSON, which the tools read as YAML. */
export function writeConfig(file: string, config: unknown): string {
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** `host:port` of an `endpoint` setting, checked to be what the repository's config says. */
function expectEndpoint(actual: unknown, expected: string, where: string): void {
  if (actual !== expected) {
    throw new Error(`${where} is ${JSON.stringify(actual)}, expected ${expected}: update tools/stack/overlays.ts`);
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
      ? {
          pull: {
            ...reader.pull,
            exporter: { prometheus: { ...reader.pull.exporter.prometheus, host: '127.0.0.1', port } },
          },
        }
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
        protocols: {
          grpc: { endpoint: `127.0.0.1:${ports.otlpGrpc}` },
          http: { endpoint: `127.0.0.1:${ports.otlpHttp}` },
        },
      },
    },
    extensions: {
      health_check: { endpoint: `127.0.0.1:${ports.health}` },
      zpages: { endpoint: `127.0.0.1:${ports.zpages}` },
    },
    service: {
      telemetry: {
        metrics: { readers: loopbackReaders(config.service.telemetry.metrics.readers, ports.metrics, where) },
      },
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
      telemetry: {
        metrics: { readers: loopbackReaders(config.service.telemetry.metrics.readers, ports.metrics, where) },
      },
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
    if (!mapped) throw new Error(`prometheus/prometheus.yml names ${target}: map it in tools/stack/prometheus.ts`);
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
