/**
 * Mailpit in the native stack, the mail catcher Alertmanager sends to: the release compose
 * runs (built by build-tools.sh), with compose's environment (MP_MAX_MESSAGES) and its SMTP
 * and HTTP listeners and database moved to loopback and the stack's directory (compose gives
 * it no command line: the image's defaults). Read through its API (stack-api.ts).
 */
import path from 'node:path';
import { type ComposeServices, composeServices, nativeArgs } from './compose-args.ts';
import { componentDir, httpUrl, logFile, loopback, type StackLayout } from './layout.ts';
import type { ProcessSpec } from './process.ts';
import { toolPath } from './repo.ts';

const NAME = 'mailpit';

export function mailpitArgs(layout: StackLayout, services?: ComposeServices): string[] {
  const { ports } = layout;
  return nativeArgs(
    NAME,
    {
      rewrite: {},
      add: [
        `--smtp=${loopback(ports.mailpitSmtp)}`,
        `--listen=${loopback(ports.mailpitHttp)}`,
        `--database=${path.join(componentDir(layout, NAME), 'mailpit.db')}`,
      ],
    },
    services,
  );
}

export function mailpitProcess(layout: StackLayout): ProcessSpec {
  const dir = componentDir(layout, NAME, true);
  const { environment } = composeServices()[NAME] ?? { environment: {} };
  return {
    name: NAME,
    command: toolPath('MAILPIT'),
    args: mailpitArgs(layout),
    cwd: dir,
    env: { MP_MAX_MESSAGES: environment.MP_MAX_MESSAGES },
    logFile: logFile(layout, NAME),
    readyUrl: `${httpUrl(layout.ports.mailpitHttp)}/readyz`,
  };
}
