/**
 * Alertmanager in the native stack: docker-compose.yml's command line (compose-args.ts) with
 * its config, storage, listener and external URL moved here, on a copy of alertmanager.yml
 * whose mail server (mailpit:1025) is Mailpit's loopback SMTP port (overlays.ts). Receivers,
 * routes and inhibitions are unchanged, so the e-mails are the ones a learner reads in Mailpit.
 */
import path from 'node:path';
import { type ComposeServices, mountedRepoFile, nativeArgs } from './compose-args.ts';
import { componentDir, httpUrl, logFile, loopback, type StackLayout } from './layout.ts';
import { alertmanagerConfig, writeConfig } from './overlays.ts';
import type { ProcessSpec } from './process.ts';
import { toolPath } from './repo.ts';

const NAME = 'alertmanager';
const CONFIG = 'prometheus/alertmanager.yml';

export function alertmanagerArgs(layout: StackLayout, services?: ComposeServices): string[] {
  const dir = componentDir(layout, NAME);
  const address = loopback(layout.ports.alertmanager);
  return nativeArgs(
    NAME,
    {
      rewrite: {
        '--config.file': (value, service) => {
          const file = mountedRepoFile(service, value, '--config.file');
          if (file !== CONFIG)
            throw new Error(
              `docker-compose.yml: alertmanager runs ${file}; tools/stack/alertmanager.ts copies ${CONFIG}`,
            );
          return `--config.file=${path.join(dir, 'alertmanager.yml')}`;
        },
        '--storage.path': () => `--storage.path=${path.join(dir, 'data')}`,
        '--web.external-url': () => `--web.external-url=http://${address}`,
      },
      add: [`--web.listen-address=${address}`],
    },
    services,
  );
}

export function alertmanagerProcess(layout: StackLayout): ProcessSpec {
  const dir = componentDir(layout, NAME, true);
  writeConfig(path.join(dir, 'alertmanager.yml'), alertmanagerConfig(layout.ports.mailpitSmtp));
  return {
    name: NAME,
    command: toolPath('ALERTMANAGER'),
    args: alertmanagerArgs(layout),
    cwd: dir,
    logFile: logFile(layout, NAME),
    readyUrl: `${httpUrl(layout.ports.alertmanager)}/-/ready`,
  };
}
