/**
 * Where the native stack's pieces are: one temporary directory (a sub-directory and a log
 * file per component) and one free loopback port per listener. Every backend module builds
 * its command line and files from this alone.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export const PORT_NAMES = [
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

export interface StackLayout {
  /** The stack's temporary directory. */
  dir: string;
  ports: StackPorts;
}

/** `127.0.0.1:<port>`. */
export function loopback(port: number): string {
  return `127.0.0.1:${port}`;
}

/** `http://127.0.0.1:<port>`. */
export function httpUrl(port: number): string {
  return `http://${loopback(port)}`;
}

/** A component's own directory in the stack's (`create`: made now). */
export function componentDir(layout: StackLayout, name: string, create = false): string {
  const dir = path.join(layout.dir, name);
  if (create) mkdirSync(dir, { recursive: true });
  return dir;
}

/** A component's log file. */
export function logFile(layout: StackLayout, name: string): string {
  return path.join(layout.dir, `${name}.log`);
}
