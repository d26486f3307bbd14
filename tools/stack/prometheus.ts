/**
 * Prometheus in the native stack: docker-compose.yml's command line (compose-args.ts) with
 * its config, data directory, listener and external URL moved here, on a copy of
 * prometheus.yml whose targets are the stack's loopback ports and whose rule evaluation
 * interval is 5 s (overlays.ts). The rule files are the repository's own, unchanged: a
 * symlink `rules` next to the copy, so `rules/*.yml` resolves as in the container.
 * Grafana does not run, so its scrape target points at a closed port (up == 0).
 */
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { type ComposeServices, mountedRepoFile, nativeArgs } from './compose-args.ts';
import { componentDir, httpUrl, logFile, loopback, type StackLayout } from './layout.ts';
import { prometheusConfig, writeConfig } from './overlays.ts';
import type { ProcessSpec } from './process.ts';
import { repoPath, toolPath } from './repo.ts';

const NAME = 'prometheus';
const CONFIG = 'prometheus/prometheus.yml';

export function prometheusArgs(layout: StackLayout, services?: ComposeServices): string[] {
  const dir = componentDir(layout, NAME);
  const address = loopback(layout.ports.prometheus);
  return nativeArgs(
    NAME,
    {
      rewrite: {
        '--config.file': (value, service) => {
          const file = mountedRepoFile(service, value, '--config.file');
          if (file !== CONFIG)
            throw new Error(`docker-compose.yml: prometheus runs ${file}; tools/stack/prometheus.ts copies ${CONFIG}`);
          return `--config.file=${path.join(dir, 'prometheus.yml')}`;
        },
        '--storage.tsdb.path': () => `--storage.tsdb.path=${path.join(dir, 'data')}`,
        '--web.external-url': () => `--web.external-url=http://${address}`,
      },
      add: [`--web.listen-address=${address}`],
    },
    services,
  );
}

export function prometheusProcess(layout: StackLayout): ProcessSpec {
  const dir = componentDir(layout, NAME, true);
  const { ports } = layout;
  symlinkSync(repoPath('prometheus/rules'), path.join(dir, 'rules'));
  const config = prometheusConfig({
    'localhost:9090': loopback(ports.prometheus),
    'otel-collector:8888': loopback(ports.collectorMetrics),
    'alertmanager:9093': loopback(ports.alertmanager),
    'jaeger:8888': loopback(ports.jaegerMetrics),
    'loki:3100': loopback(ports.lokiHttp),
    'grafana:3000': loopback(ports.grafanaClosed),
  });
  writeConfig(path.join(dir, 'prometheus.yml'), config);
  return {
    name: NAME,
    command: toolPath('PROMETHEUS'),
    args: prometheusArgs(layout),
    cwd: dir,
    logFile: logFile(layout, NAME),
    readyUrl: `${httpUrl(ports.prometheus)}/-/ready`,
  };
}
