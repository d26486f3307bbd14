/**
 * Loki in the native stack: not run (AGPL, not built). Its stand-in, standins/loki-standin.ts,
 * runs as a Node process of its own on a loopback port, on docker-compose.yml's command line
 * for Loki mapped onto the stand-in's (compose-args.ts): `-config.file` → `--config=` the
 * repository's loki/config.yaml (its otlp_config says which attributes are index labels),
 * `-config.expand-env` dropped (the stand-in reads no `${VAR}` of the file; the real Loki
 * expands LOKI_RETENTION_PERIOD, which the stand-in does not implement). The collector's
 * LOKI_OTLP_ENDPOINT is `<its url>/otlp`, as `http://loki:3100/otlp` in compose. The stand-in
 * is ready at once (the real Loki takes ~15 s, its ingester joining the ring).
 */
import { fileURLToPath } from 'node:url';
import { type ComposeServices, mountedRepoFile, nativeArgs } from './compose-args.ts';
import { componentDir, httpUrl, logFile, type StackLayout } from './layout.ts';
import type { ProcessSpec } from './process.ts';
import { repoPath } from './repo.ts';

const NAME = 'loki';
export const LOKI_STANDIN = fileURLToPath(new URL('./standins/loki-standin.ts', import.meta.url));

export function lokiArgs(layout: StackLayout, services?: ComposeServices): string[] {
  return nativeArgs(
    NAME,
    {
      rewrite: {
        '-config.file': (value, service) => `--config=${repoPath(mountedRepoFile(service, value, '-config.file'))}`,
        '-config.expand-env': () => undefined,
      },
      add: [`--port=${layout.ports.lokiHttp}`],
    },
    services,
  );
}

export function lokiProcess(layout: StackLayout): ProcessSpec {
  return {
    name: NAME,
    command: process.execPath,
    args: [LOKI_STANDIN, ...lokiArgs(layout)],
    cwd: componentDir(layout, NAME, true),
    logFile: logFile(layout, NAME),
    readyUrl: `${httpUrl(layout.ports.lokiHttp)}/ready`,
  };
}
