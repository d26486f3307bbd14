/**
 * What the native stack needs before it starts: the tools scripts/ci/build-tools.sh builds,
 * MariaDB on PATH and the built services. One message names everything missing and how to
 * get it (the stack tests fail, never skip, without them).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type ToolName, toolPath } from './repo.ts';
import { serviceMains } from './services.ts';

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
  for (const main of serviceMains()) {
    if (!existsSync(main)) missing.push(`${main} does not exist — run npm run build`);
  }
  if (missing.length > 0) throw new Error(`the native stack cannot run:\n  ${missing.join('\n  ')}`);
}
