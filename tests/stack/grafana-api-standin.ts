/**
 * A stand-in for Grafana's HTTP API, for the tests of scripts/validate.sh. Grafana itself
 * cannot run here (no image, no native build), so this small server answers the few
 * requests validate.sh makes, the way Grafana answers them after `docker compose up`
 * provisioned it from the repository:
 *
 *   GET /api/health                → {"commit","database":"ok","version"}
 *   GET /api/datasources/uid/:uid  → the datasource provisioned with that uid, or 404
 *   GET /api/search                → the provisioned dashboards (and their folder), with
 *                                    Grafana's `type` and `query` filters
 *
 * Every answer is computed from the provisioning files at the time of the request
 * (grafana/provisioning/datasources/*.yaml, the file provider of
 * grafana/provisioning/dashboards/*.yaml and the dashboard JSON it loads), never from a
 * list written here: a datasource missing from the YAML is a 404, a dashboard file that
 * is missing or is not valid JSON is absent from the search, as it would be in Grafana
 * (which logs the bad file and skips it). The directories can be pointed elsewhere so a
 * test can break a copy without touching the repository.
 *
 * Access as docker-compose.yml configures it: anonymous Viewer (no credentials needed);
 * credentials that are sent must be the admin's (`admin` / GRAFANA_ADMIN_PASSWORD of
 * .env.example), otherwise 401 — as Grafana rejects a wrong password even with anonymous
 * access on.
 */
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export interface GrafanaApiStandInOptions {
  /** grafana/provisioning/datasources by default. */
  datasourcesDir?: string;
  /** grafana/provisioning/dashboards by default. */
  dashboardProvidersDir?: string;
  /**
   * Where the file provider's `options.path` points. In compose it is a mount of
   * grafana/dashboards (docker-compose.yml); by default the same here.
   */
  dashboardsDir?: string;
  /** What /api/health reports (GRAFANA_VERSION of .env.example by default). */
  version?: string;
  /** The admin's password (GRAFANA_ADMIN_PASSWORD of .env.example by default). */
  adminPassword?: string;
  /** 127.0.0.1 and a free port by default. */
  host?: string;
  port?: number;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** KEY=value lines of .env.example (read here without the tests' lib, for the image). */
function envExample(): Map<string, string> {
  const values = new Map<string, string>();
  try {
    for (const line of readFileSync(path.join(repoRoot, '.env.example'), 'utf8').split('\n')) {
      const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
      if (match?.[1]) values.set(match[1], match[2] ?? '');
    }
  } catch {
    // In the stand-in's image there is no .env.example: the options say everything.
  }
  return values;
}

/** A datasource as GET /api/datasources answers it. */
interface GrafanaDatasource {
  id: number;
  uid: string;
  orgId: number;
  name: string;
  type: string;
  access: string;
  url: string;
  isDefault: boolean;
  jsonData: Record<string, unknown>;
  secureJsonFields: Record<string, boolean>;
  version: number;
  readOnly: boolean;
}

/** A hit of GET /api/search: a folder ("dash-folder") or a dashboard ("dash-db", with its folder). */
interface SearchHit {
  id: number;
  uid: string;
  title: string;
  type: 'dash-folder' | 'dash-db';
  url: string;
  uri?: string;
  tags?: string[];
  isStarred?: boolean;
  folderId?: number;
  folderUid?: string;
  folderTitle?: string;
  folderUrl?: string;
}

/** The mount docker-compose.yml gives the dashboards (the provider's options.path). */
const COMPOSE_DASHBOARDS_MOUNT = '/etc/grafana/dashboards/shopscope';

/** Provisioning files are walked as Grafana reads them: any field may be missing. */
function yamlFile(file: string): any {
  return parseYaml(readFileSync(file, 'utf8'));
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => path.join(dir, f));
}

function slug(title: string): string {
  return title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

export class GrafanaApiStandIn {
  /** Every request received ("GET /api/health"), for assertions. */
  readonly requests: string[] = [];
  private readonly server: http.Server;
  private readonly datasourcesDir: string;
  private readonly dashboardProvidersDir: string;
  private readonly dashboardsDir: string;
  private readonly version: string;
  private readonly adminPassword: string;
  private readonly options: GrafanaApiStandInOptions;

  private constructor(options: GrafanaApiStandInOptions) {
    this.options = options;
    this.datasourcesDir = options.datasourcesDir ?? path.join(repoRoot, 'grafana/provisioning/datasources');
    this.dashboardProvidersDir =
      options.dashboardProvidersDir ?? path.join(repoRoot, 'grafana/provisioning/dashboards');
    this.dashboardsDir = options.dashboardsDir ?? path.join(repoRoot, 'grafana/dashboards');
    const env = envExample();
    this.version = options.version ?? env.get('GRAFANA_VERSION') ?? 'unknown';
    this.adminPassword = options.adminPassword ?? env.get('GRAFANA_ADMIN_PASSWORD') ?? '';
    this.server = http.createServer((req, res) => {
      this.requests.push(`${req.method} ${req.url}`);
      let status = 200;
      let body: unknown;
      try {
        [status, body] = this.answer(req);
      } catch (err) {
        status = 500;
        body = { message: err instanceof Error ? err.message : String(err) };
      }
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  }

  static async start(options: GrafanaApiStandInOptions = {}): Promise<GrafanaApiStandIn> {
    const standIn = new GrafanaApiStandIn(options);
    await new Promise<void>((resolve, reject) => {
      standIn.server.once('error', reject);
      standIn.server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    return standIn;
  }

  get url(): string {
    const host = this.options.host && this.options.host !== '0.0.0.0' ? this.options.host : '127.0.0.1';
    return `http://${host}:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(req: http.IncomingMessage): [number, unknown] {
    const url = new URL(req.url ?? '/', 'http://grafana');
    if (req.method !== 'GET') return [405, { message: 'Method not allowed (the stand-in is read-only)' }];
    const auth = req.headers.authorization;
    if (auth !== undefined) {
      const expected = `Basic ${Buffer.from(`admin:${this.adminPassword}`).toString('base64')}`;
      if (auth !== expected) return [401, { message: 'Invalid username or password' }];
    }
    if (url.pathname === '/api/health') {
      return [200, { commit: 'shopscope-test-standin', database: 'ok', version: this.version }];
    }
    const datasource = /^\/api\/datasources\/uid\/([^/]+)$/.exec(url.pathname);
    if (datasource) {
      const found = this.datasources().find((d) => d.uid === decodeURIComponent(datasource[1] ?? ''));
      return found ? [200, found] : [404, { message: 'Data source not found' }];
    }
    if (url.pathname === '/api/search') return [200, this.search(url.searchParams)];
    return [404, { message: 'Not found' }];
  }

  /** The provisioned datasources, shaped as Grafana returns them (ids in file order). */
  private datasources(): GrafanaDatasource[] {
    const list = yamlFiles(this.datasourcesDir).flatMap((file) => yamlFile(file)?.datasources ?? []);
    return list.map((d: any, i: number) => ({
      id: i + 1,
      uid: d.uid,
      orgId: d.orgId ?? 1,
      name: d.name,
      type: d.type,
      access: d.access ?? 'proxy',
      url: d.url ?? '',
      isDefault: d.isDefault === true,
      jsonData: d.jsonData ?? {},
      secureJsonFields: {},
      version: 1,
      readOnly: d.editable !== true,
    }));
  }

  /** What Grafana's file provider would have loaded: [folder, dashboards] per provider. */
  private provisionedDashboards(): {
    folder: { uid: string; title: string };
    /** Each dashboard's JSON, as in its file (one with a uid and a title). */
    dashboards: { uid: string; title: string; tags?: string[] }[];
  }[] {
    const providers = yamlFiles(this.dashboardProvidersDir).flatMap((file) => yamlFile(file)?.providers ?? []);
    return providers
      .filter((p: any) => (p.type ?? 'file') === 'file')
      .map((p: any) => {
        const mounted = String(p.options?.path ?? '');
        if (mounted !== COMPOSE_DASHBOARDS_MOUNT) {
          throw new Error(
            `dashboard provider ${p.name} reads ${mounted}, not the ${COMPOSE_DASHBOARDS_MOUNT} mount: update the stand-in`,
          );
        }
        const dashboards = readdirSync(this.dashboardsDir)
          .filter((f) => f.endsWith('.json'))
          .sort()
          .flatMap((file) => {
            try {
              const dashboard = JSON.parse(readFileSync(path.join(this.dashboardsDir, file), 'utf8'));
              return dashboard?.uid && dashboard?.title ? [dashboard] : [];
            } catch {
              return []; // Grafana logs "failed to load dashboard from file" and goes on
            }
          });
        return {
          folder: { uid: p.folderUid ?? slug(p.folder ?? 'general'), title: p.folder ?? 'General' },
          dashboards,
        };
      });
  }

  private search(params: URLSearchParams): SearchHit[] {
    const type = params.get('type');
    const query = (params.get('query') ?? '').toLowerCase();
    const hits: SearchHit[] = [];
    let id = 0;
    for (const { folder, dashboards } of this.provisionedDashboards()) {
      const folderId = ++id;
      if (type !== 'dash-db' && folder.title.toLowerCase().includes(query)) {
        hits.push({
          id: folderId,
          uid: folder.uid,
          title: folder.title,
          type: 'dash-folder',
          url: `/dashboards/f/${folder.uid}/`,
        });
      }
      for (const dashboard of dashboards) {
        const dashboardId = ++id;
        if (type === 'dash-folder' || !String(dashboard.title).toLowerCase().includes(query)) continue;
        hits.push({
          id: dashboardId,
          uid: dashboard.uid,
          title: dashboard.title,
          uri: `db/${slug(dashboard.title)}`,
          url: `/d/${dashboard.uid}/${slug(dashboard.title)}`,
          type: 'dash-db',
          tags: dashboard.tags ?? [],
          isStarred: false,
          folderId,
          folderUid: folder.uid,
          folderTitle: folder.title,
          folderUrl: `/dashboards/f/${folder.uid}/`,
        });
      }
    }
    return hits;
  }
}

// ---------------------------------------------------------------------------------------
// As a process: the compose rehearsal's image grafana/grafana:<GRAFANA_VERSION>
// (tests/compose/standins/grafana) runs it with Grafana's paths and environment.
// ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const provisioning = process.env.GF_PATHS_PROVISIONING ?? '/etc/grafana/provisioning';
  const standIn = await GrafanaApiStandIn.start({
    datasourcesDir: path.join(provisioning, 'datasources'),
    dashboardProvidersDir: path.join(provisioning, 'dashboards'),
    dashboardsDir: COMPOSE_DASHBOARDS_MOUNT,
    version: process.env.GRAFANA_STANDIN_VERSION ?? 'unknown',
    adminPassword: process.env.GF_SECURITY_ADMIN_PASSWORD ?? 'admin',
    host: '0.0.0.0',
    port: Number(process.env.GF_SERVER_HTTP_PORT ?? 3000),
  });
  process.stdout.write(`grafana API stand-in listening on ${standIn.url}, provisioning from ${provisioning}\n`);
  const shutdown = () => {
    standIn.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
