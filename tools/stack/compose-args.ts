/**
 * The command lines of docker-compose.yml, for the native stack: each component's `command:`
 * arguments (and `environment:`) read from the file with the `yaml` package, `${VAR:-default}`
 * filled with the file's own defaults (equal to .env.example, which compose.test.ts checks), so
 * that no flag of Prometheus, Alertmanager, Jaeger, the collector or Loki is typed a second
 * time. The native stack only rewrites what cannot hold outside a container:
 *
 * - `nativeArgs(component, map)` returns compose's arguments with every flag the map names
 *   rewritten (a container path → a file of the repository or the stack's directory, an
 *   address → a loopback port) or dropped, then the map's additions;
 * - an argument the map does not name is kept as it is when its value holds no path or
 *   address (`--storage.tsdb.retention.time=30d`, `--web.enable-otlp-receiver`); otherwise
 *   (a `/` or `:` in its value) it is one the native stack cannot map, and `nativeArgs`
 *   throws naming it — compose.test.ts runs this for every component, so a new flag in
 *   docker-compose.yml fails there before it fails a stack start.
 */
import { parse } from 'yaml';
import { readRepoFile } from './repo.ts';

/** What the native stack reads of one compose service. */
export interface ComposeComponent {
  /** `command:`, interpolated (empty when the image's default command runs). */
  command: string[];
  /** `environment:`, interpolated. */
  environment: Record<string, string>;
  /** Bind mounts of the repository's files: container path → path relative to the repository root. */
  mounts: Map<string, string>;
  /** `deploy.resources.limits.memory` in bytes (the container's memory limit), if set. */
  memoryLimitBytes: number | undefined;
}

export type ComposeServices = Record<string, ComposeComponent>;

/** `${NAME:-default}` and `${NAME-default}` → the default, `$$` → `$`; a variable without a default is an error. */
export function interpolate(value: string): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g,
    (whole, name: string | undefined, fallback: string | undefined) => {
      if (whole === '$$') return '$';
      if (fallback === undefined) throw new Error(`docker-compose.yml: \${${name}} has no default`);
      return fallback;
    },
  );
}

/** docker-compose.yml's services as the native stack reads them (`text`: another file's content, for the tests). */
export function composeServices(text: string = readRepoFile('docker-compose.yml')): ComposeServices {
  const file = parse(text, { merge: true }) as { services: Record<string, any> };
  const out: ComposeServices = {};
  for (const [name, service] of Object.entries(file.services ?? {})) {
    const raw = service?.command;
    const command = raw === undefined || raw === null ? [] : Array.isArray(raw) ? raw.map(String) : undefined;
    if (!command) throw new Error(`docker-compose.yml: ${name}'s command is a string; write it as a list`);
    const env = service?.environment ?? {};
    if (Array.isArray(env)) throw new Error(`docker-compose.yml: ${name}'s environment is a list; write it as a map`);
    const mounts = new Map<string, string>();
    for (const volume of service?.volumes ?? []) {
      if (typeof volume !== 'string' || !volume.startsWith('./')) continue;
      const [source = '', target = ''] = volume.split(':');
      mounts.set(target, source.slice(2));
    }
    out[name] = {
      command: command.map(interpolate),
      environment: Object.fromEntries(Object.entries<unknown>(env).map(([k, v]) => [k, interpolate(String(v ?? ''))])),
      mounts,
      memoryLimitBytes: composeBytes(service?.deploy?.resources?.limits?.memory),
    };
  }
  return out;
}

/**
 * A compose byte value (`192M`, `1.5g`, `512k`, `1073741824`) in bytes; compose's units are
 * binary (k = 1024). Undefined when absent or unreadable (whoever needs the value says so:
 * a stack start does not).
 */
export function composeBytes(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)\s*([bkmg]?)b?$/i.exec(interpolate(value).trim());
  if (!match) return undefined;
  const power = { '': 0, b: 0, k: 1, m: 2, g: 3 }[(match[2] ?? '').toLowerCase()] ?? 0;
  return Math.round(Number(match[1]) * 1024 ** power);
}

/** One argument of a command line: `-flag` or `--flag`, with its value after `=` (undefined for a bare flag). */
export interface Arg {
  flag: string;
  value: string | undefined;
}

export function parseArg(text: string): Arg | undefined {
  const match = /^(--?[A-Za-z0-9][\w.-]*)(?:=(.*))?$/s.exec(text);
  return match?.[1] ? { flag: match[1], value: match[2] } : undefined;
}

/** A flag's native replacement: its new argument(s), or nothing to drop it. */
export type Rewrite = (value: string | undefined, component: ComposeComponent) => string | string[] | undefined;

export interface ArgMap {
  /** The flags whose value names a container path or address (or that do not apply natively), by flag. */
  rewrite: Record<string, Rewrite>;
  /** Arguments compose leaves to the image's defaults and the native stack sets (listen addresses…), appended. */
  add?: string[];
}

/** Why an argument nobody rewrites cannot be passed on unchanged, or undefined when it can. */
function unmappable(text: string): string | undefined {
  const arg = parseArg(text);
  if (!arg) return 'not a -flag or --flag=value argument';
  if (arg.value !== undefined && /[/:]/.test(arg.value)) return 'its value names a path or an address';
  return undefined;
}

/**
 * The native command line of `component`: compose's arguments rewritten by `map`, then its
 * additions. Throws, naming each argument, when one is neither rewritten nor free of paths
 * and addresses.
 */
export function nativeArgs(component: string, map: ArgMap, services: ComposeServices = composeServices()): string[] {
  const service = services[component];
  if (!service) throw new Error(`docker-compose.yml has no service ${component}`);
  const out: string[] = [];
  const problems: string[] = [];
  for (const text of service.command) {
    const arg = parseArg(text);
    const rewrite = arg ? map.rewrite[arg.flag] : undefined;
    if (arg && rewrite) {
      const replaced = rewrite(arg.value, service);
      if (replaced !== undefined) out.push(...(Array.isArray(replaced) ? replaced : [replaced]));
      continue;
    }
    const why = unmappable(text);
    if (why) problems.push(`${text} (${why})`);
    else out.push(text);
  }
  if (problems.length > 0) {
    throw new Error(
      `docker-compose.yml: ${component}'s command has arguments the native stack cannot map: ${problems.join('; ')} — ` +
        `add a rewrite to its ArgMap in tools/stack/${component === 'otel-collector' ? 'collector' : component}.ts`,
    );
  }
  return [...out, ...(map.add ?? [])];
}

/** The repository file mounted at `containerPath` (a `./file:containerPath` bind mount); throws when there is none. */
export function mountedRepoFile(component: ComposeComponent, containerPath: string | undefined, what: string): string {
  const file = containerPath === undefined ? undefined : component.mounts.get(containerPath);
  if (!file)
    throw new Error(
      `docker-compose.yml: ${what} ${containerPath} is not a file of the repository mounted into the container`,
    );
  return file;
}
