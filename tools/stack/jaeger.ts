/**
 * Jaeger v2 in the native stack: docker-compose.yml's command line (compose-args.ts), whose
 * `--config` names the repository's jaeger/config.yaml, unchanged, plus a second `--config`
 * moving its listeners to loopback ports (overlays.ts); PROMETHEUS_URL from the environment
 * the config already reads. Its own traces go to its own OTLP receiver, as in the container
 * (where localhost:4317 is Jaeger).
 */
import { overlaidConfigArgs, overlayFile } from './collector.ts';
import type { ComposeServices } from './compose-args.ts';
import { componentDir, httpUrl, logFile, type StackLayout } from './layout.ts';
import { jaegerOverlay, writeConfig } from './overlays.ts';
import type { ProcessSpec } from './process.ts';
import { toolPath } from './repo.ts';

const NAME = 'jaeger';

export function jaegerArgs(layout: StackLayout, services?: ComposeServices): string[] {
  return overlaidConfigArgs(NAME, layout, services);
}

export function jaegerProcess(layout: StackLayout): ProcessSpec {
  const dir = componentDir(layout, NAME, true);
  const { ports } = layout;
  writeConfig(
    overlayFile(layout, NAME),
    jaegerOverlay({
      otlpGrpc: ports.jaegerOtlp,
      queryHttp: ports.jaegerQuery,
      queryGrpc: ports.jaegerQueryGrpc,
      health: ports.jaegerHealth,
      metrics: ports.jaegerMetrics,
    }),
  );
  return {
    name: NAME,
    command: toolPath('JAEGER'),
    args: jaegerArgs(layout),
    cwd: dir,
    env: { PROMETHEUS_URL: httpUrl(ports.prometheus), OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl(ports.jaegerOtlp) },
    logFile: logFile(layout, NAME),
    readyUrl: `${httpUrl(ports.jaegerHealth)}/status`,
  };
}
