/**
 * docker-compose.yml, checked without Docker: loaded by compose-go (the library inside
 * `docker compose`, through tests/stack/stack-check) — which validates it against the
 * Compose Specification JSON schema — then the resolved model is held to the rules of
 * SPEC.md's "docker compose" section.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { composeServices, nativeArgs } from '../../tools/stack/compose-args.ts';
import { PORT_NAMES, type StackLayout } from '../../tools/stack/layout.ts';
import { nativeCommandLines } from '../../tools/stack/native-stack.ts';
import { readEnvFile, readRepoFile, repoPath, repoRoot, requireTool, run, runOk } from '../../tools/stack/repo.ts';

interface ComposeService {
  image?: string;
  pull_policy?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  command?: string[] | null;
  environment?: Record<string, string | null>;
  healthcheck?: { test?: string[]; disable?: boolean; interval?: string; start_period?: string };
  depends_on?: Record<string, { condition: string }>;
  ports?: { host_ip?: string; target: number; published?: string }[];
  restart?: string;
  profiles?: string[];
  deploy?: { resources?: { limits?: { memory?: string } } };
  volumes?: { type: string; source: string; target: string; read_only?: boolean }[];
}

interface ComposeProject {
  name: string;
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

const BACKENDS = ['user-service', 'product-service', 'order-service'] as const;
const APP_SERVICES = ['frontend', ...BACKENDS] as const;
const DATABASES: Record<string, string> = {
  'user-service': 'user-db',
  'product-service': 'product-db',
  'order-service': 'order-db',
};
/** One-shot jobs: they exit, so they have no healthcheck; dependants wait for their completion. */
const JOBS = new Set(['healthcheck-tools']);
const MiB = 1024 * 1024;

let project: ComposeProject;
let services: [string, ComposeService][];

function loadProject(args: string[]): ComposeProject {
  return JSON.parse(
    runOk(requireTool('STACK_CHECK'), ['compose', ...args, repoPath('docker-compose.yml')]),
  ) as ComposeProject;
}

function bindSources(service: ComposeService): Map<string, string> {
  const mounts = new Map<string, string>();
  for (const v of service.volumes ?? []) {
    if (v.type === 'bind') mounts.set(v.target, path.relative(repoRoot, v.source));
  }
  return mounts;
}

before(() => {
  project = loadProject(['-env-file', repoPath('.env.example')]);
  services = Object.entries(project.services);
});

describe('docker-compose.yml', () => {
  test('is a valid Compose project (schema, interpolation, references)', () => {
    // loadProject already failed loudly if the schema or a reference were wrong.
    assert.equal(project.name, 'shopscope');
    for (const name of [
      ...APP_SERVICES,
      'user-db',
      'product-db',
      'order-db',
      'otel-collector',
      'jaeger',
      'prometheus',
      'alertmanager',
      'loki',
      'grafana',
      'mailpit',
      'k6',
    ]) {
      assert.ok(project.services[name], `service ${name} is missing`);
    }
  });

  test('a broken file is rejected (the checker is not a rubber stamp)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'compose-'));
    try {
      const file = path.join(dir, 'docker-compose.yml');
      writeFileSync(file, 'services:\n  a:\n    image: busybox:1.37.0\n    restartt: always\n');
      const result = run(requireTool('STACK_CHECK'), ['compose', '-no-env', file]);
      assert.notEqual(result.status, 0);
      assert.match(result.stderr, /restartt/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('works without a .env file: every default equals .env.example', () => {
    // Interpolating from nothing must give exactly the project .env.example gives.
    assert.deepEqual(loadProject(['-no-env']), project);
  });

  test('every variable has a default and every .env.example key is used', () => {
    const text = readRepoFile('docker-compose.yml');
    const env = readEnvFile('.env.example');
    const used = new Set<string>();
    for (const match of text.matchAll(/\$\{([A-Z0-9_]+)(:-([^}]*))?\}/g)) {
      const [, name, hasDefault, value] = match;
      assert.ok(name && hasDefault, `\${${name}} in docker-compose.yml has no default`);
      assert.equal(value, env.get(name), `default of ${name} in docker-compose.yml differs from .env.example`);
      used.add(name);
    }
    const buildTools = readRepoFile('scripts/ci/build-tools.sh');
    for (const key of env.keys()) {
      assert.ok(used.has(key) || buildTools.includes(`version_of ${key}`), `${key} in .env.example is used nowhere`);
    }
  });

  test('images are pinned by version, never latest, and match .env.example', () => {
    const env = readEnvFile('.env.example');
    const expected: Record<string, string> = {
      'otel-collector': `otel/opentelemetry-collector-contrib:${env.get('OTELCOL_VERSION')}`,
      jaeger: `jaegertracing/jaeger:${env.get('JAEGER_VERSION')}`,
      prometheus: `prom/prometheus:v${env.get('PROMETHEUS_VERSION')}`,
      alertmanager: `prom/alertmanager:v${env.get('ALERTMANAGER_VERSION')}`,
      loki: `grafana/loki:${env.get('LOKI_VERSION')}`,
      grafana: `grafana/grafana:${env.get('GRAFANA_VERSION')}`,
      mailpit: `axllent/mailpit:v${env.get('MAILPIT_VERSION')}`,
      k6: `grafana/k6:${env.get('K6_VERSION')}`,
      'user-db': `mysql:${env.get('MYSQL_VERSION')}`,
    };
    for (const [name, service] of services) {
      assert.ok(service.image, `${name} has no image`);
      const tag = /:([^/:]+)$/.exec(service.image)?.[1];
      assert.ok(tag, `${name}: image ${service.image} has no tag`);
      assert.notEqual(tag, 'latest', `${name}: image ${service.image} uses latest`);
      if (expected[name]) assert.equal(service.image, expected[name], `${name} image`);
    }
    for (const [key, value] of readEnvFile('.env.example')) {
      if (key.endsWith('_VERSION')) assert.notEqual(value, 'latest', key);
    }
    assert.match(env.get('MYSQL_VERSION') ?? '', /^8\.4/, 'MySQL 8.4 LTS');
    assert.match(env.get('PROMETHEUS_VERSION') ?? '', /^3\./, 'Prometheus 3');
    assert.match(env.get('JAEGER_VERSION') ?? '', /^2\./, 'Jaeger v2');
    assert.match(env.get('LOKI_VERSION') ?? '', /^3\./, 'Loki 3');
    assert.match(env.get('K6_VERSION') ?? '', /^2\./, 'k6 v2');
  });

  test('every container has a healthcheck (one-shot jobs excepted)', () => {
    for (const [name, service] of services) {
      if (JOBS.has(name)) {
        assert.equal(service.restart, 'no', `${name} is a job: restart "no"`);
        continue;
      }
      assert.ok(service.healthcheck?.test?.length && !service.healthcheck.disable, `${name} has no healthcheck`);
      assert.notDeepEqual(service.healthcheck.test, ['NONE'], `${name} disables its healthcheck`);
    }
  });

  test('start order waits for health (service_healthy), or for a job to complete', () => {
    for (const [name, service] of services) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        const wanted = JOBS.has(dependency) ? 'service_completed_successfully' : 'service_healthy';
        assert.equal(condition, wanted, `${name} → ${dependency}`);
      }
    }
    for (const app of BACKENDS) {
      const dependsOn = Object.keys(project.services[app]?.depends_on ?? {});
      assert.ok(dependsOn.includes(DATABASES[app] ?? ''), `${app} waits for its database`);
      assert.ok(dependsOn.includes('otel-collector'), `${app} waits for the collector`);
    }
    assert.deepEqual(Object.keys(project.services.frontend?.depends_on ?? {}).sort(), [...BACKENDS].sort());
  });

  test('restart policies: long-running containers restart, tools and jobs do not', () => {
    for (const [name, service] of services) {
      const expected = JOBS.has(name) || service.profiles?.length ? 'no' : 'unless-stopped';
      assert.equal(service.restart, expected, `${name} restart policy`);
    }
  });

  test('every published port is bound to 127.0.0.1', () => {
    for (const [name, service] of services) {
      for (const port of service.ports ?? []) {
        assert.equal(port.host_ip, '127.0.0.1', `${name} publishes ${port.target} beyond loopback`);
      }
    }
  });

  test('memory limits everywhere, about 2.6 GB in total', () => {
    let alwaysOn = 0;
    let all = 0;
    for (const [name, service] of services) {
      const limit = Number(service.deploy?.resources?.limits?.memory);
      assert.ok(limit > 0, `${name} has no memory limit`);
      all += limit;
      if (!service.profiles?.length && !JOBS.has(name)) alwaysOn += limit;
    }
    assert.ok(alwaysOn <= 2600 * MiB, `always-on limits add up to ${Math.round(alwaysOn / MiB)} MiB (> 2.6 GB)`);
    assert.ok(all <= 2800 * MiB, `all limits add up to ${Math.round(all / MiB)} MiB`);
    const readme = readRepoFile('README.md');
    assert.match(
      readme,
      new RegExp(`add up to about ${(alwaysOn / MiB / 1000).toFixed(2)} GB`),
      'the README states the total',
    );
  });

  // Defects the compose rehearsal (tests/compose) found or that only a real engine shows;
  // each is also exercised there.
  test('the four services are built here, never pulled; their healthcheck starts no second Node', () => {
    for (const app of APP_SERVICES) {
      const service = project.services[app];
      assert.equal(
        service?.pull_policy,
        'build',
        `${app}: compose would first try to pull ${service?.image} from a registry`,
      );
      const check = (service?.healthcheck?.test ?? []).join(' ');
      assert.doesNotMatch(check, /\bnode\b/, `${app}: a node process per check counts against the memory limit`);
      assert.match(check, /\/readyz/, `${app}: healthy means ready`);
    }
    const dockerfile = readRepoFile('services/Dockerfile');
    const build = dockerfile.slice(dockerfile.indexOf('AS build'), dockerfile.indexOf('AS deps'));
    assert.ok(build.indexOf('RUN npm ci') < build.indexOf('ARG SERVICE'), 'one npm ci shared by the four builds');
  });

  test("the image's npm ci sees every workspace manifest, and the runtime every shared package's build", () => {
    // npm ci refuses a lockfile whose workspaces are missing: a workspace added to the root
    // package.json but not copied here breaks `docker compose build` on every laptop.
    const dockerfile = readRepoFile('services/Dockerfile');
    const stage = (from: string, to: string) =>
      dockerfile.slice(dockerfile.indexOf(from), to ? dockerfile.indexOf(to) : undefined);
    const build = stage('AS build', 'AS deps');
    const deps = stage('AS deps', '# --- runtime');
    const runtime = stage('# --- runtime', '');
    const workspaces = (JSON.parse(readRepoFile('package.json')) as { workspaces: string[] }).workspaces;
    for (const workspace of workspaces) {
      assert.match(
        build,
        new RegExp(`COPY ${workspace}/package\\.json ${workspace}/`),
        `build stage: ${workspace}/package.json`,
      );
      assert.match(
        deps,
        new RegExp(`COPY --from=build /src/${workspace}/package\\.json ${workspace}/`),
        `deps stage: ${workspace}`,
      );
    }
    // The packages every service requires at run time: compiled in the build stage, copied to the image.
    for (const shared of ['services/contracts', 'services/common', 'services/telemetry']) {
      assert.match(build, new RegExp(`COPY ${shared} ${shared}\\n`), `build stage compiles ${shared}`);
      assert.match(runtime, new RegExp(`/src/${shared}/dist ${shared}/dist`), `runtime has ${shared}/dist`);
    }
  });

  test('the Go components know their memory limit (GOMEMLIMIT below it)', () => {
    for (const name of ['otel-collector', 'jaeger']) {
      const service = project.services[name];
      const limit = Number(service?.deploy?.resources?.limits?.memory);
      const soft = /^(\d+)MiB$/.exec(String(service?.environment?.GOMEMLIMIT ?? ''));
      assert.ok(soft, `${name} sets GOMEMLIMIT in MiB`);
      assert.ok(
        Number(soft[1]) * MiB <= 0.85 * limit,
        `${name}: GOMEMLIMIT ${soft[1]}MiB leaves room below ${limit / MiB} MiB`,
      );
    }
  });

  test("Jaeger's in-memory trace store fits below its GOMEMLIMIT", () => {
    // ~21 KB per trace, measured in the rehearsal (Jaeger 30 → 62 MiB for ~1,500 traces of
    // the coursework's mix), on ~40 MiB for the process itself.
    const maxTraces = Number(readEnvFile('.env.example').get('JAEGER_MAX_TRACES'));
    const jaeger = project.services.jaeger;
    assert.equal(jaeger?.environment?.JAEGER_MAX_TRACES, String(maxTraces));
    const soft = Number(/^(\d+)MiB$/.exec(String(jaeger?.environment?.GOMEMLIMIT))?.[1]) * MiB;
    assert.ok(maxTraces * 21 * 1024 + 40 * MiB <= soft, `${maxTraces} traces below GOMEMLIMIT ${soft / MiB} MiB`);
  });

  test("the busybox for the collector's healthcheck is replaced atomically, never overwritten while it runs", () => {
    const command = (project.services['healthcheck-tools']?.command ?? []).join(' ');
    assert.match(
      command,
      /cp \/bin\/busybox \/healthcheck\/busybox\.new && mv -f \/healthcheck\/busybox\.new \/healthcheck\/busybox/,
    );
  });

  test('data lives in named volumes', () => {
    const dataVolumes: Record<string, string> = {
      'user-db': '/var/lib/mysql',
      'product-db': '/var/lib/mysql',
      'order-db': '/var/lib/mysql',
      prometheus: '/prometheus',
      alertmanager: '/alertmanager',
      loki: '/loki',
      grafana: '/var/lib/grafana',
    };
    for (const [name, target] of Object.entries(dataVolumes)) {
      const mount = project.services[name]?.volumes?.find((v) => v.target === target);
      assert.equal(mount?.type, 'volume', `${name}:${target} is not a named volume`);
      assert.ok(project.volumes[mount.source], `volume ${mount.source} is not declared`);
    }
  });

  test('the four services: one image recipe, their settings, their own database', () => {
    const env = readEnvFile('.env.example');
    for (const app of APP_SERVICES) {
      const service = project.services[app];
      assert.ok(service?.build, `${app} is built`);
      assert.equal(path.relative(repoRoot, service.build.context), '', `${app} builds from the repository root`);
      assert.equal(service.build.dockerfile, 'services/Dockerfile');
      assert.equal(service.build.args?.SERVICE, app.replace(/-service$/, ''));
      const e = service.environment ?? {};
      assert.equal(e.OTEL_SERVICE_NAME, app);
      assert.equal(e.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://otel-collector:4317');
      assert.equal(e.OTEL_EXPORTER_OTLP_PROTOCOL, 'grpc');
      assert.equal(e.DEPLOYMENT_ENVIRONMENT, env.get('DEPLOYMENT_ENVIRONMENT'));
      assert.equal(e.ADMIN_TOKEN, env.get('ADMIN_TOKEN'));
      assert.ok(e.PORT, `${app} PORT`);
      assert.deepEqual(
        service.ports?.map((p) => p.target),
        [Number(e.PORT)],
        `${app} publishes its PORT`,
      );
    }
    for (const app of BACKENDS) {
      const url = new URL(project.services[app]?.environment?.DATABASE_URL ?? '');
      assert.equal(url.protocol, 'mysql:');
      assert.equal(url.hostname, DATABASES[app], `${app} uses its own database`);
      const db = project.services[url.hostname];
      assert.equal(url.pathname.slice(1), db?.environment?.MYSQL_DATABASE, `${app}: database name`);
      assert.equal(url.username, db?.environment?.MYSQL_USER);
      assert.equal(url.password, db?.environment?.MYSQL_PASSWORD);
    }
    const frontend = project.services.frontend?.environment ?? {};
    assert.equal(frontend.SESSION_SECRET, env.get('SESSION_SECRET'));
    for (const [variable, target] of [
      ['USER_SERVICE_URL', 'user-service:8081'],
      ['PRODUCT_SERVICE_URL', 'product-service:8082'],
      ['ORDER_SERVICE_URL', 'order-service:8083'],
    ]) {
      assert.equal(frontend[variable as string], `http://${target}`);
    }
  });

  test("each component runs the repository's config file, named on its command line", () => {
    const configs: [string, RegExp, string][] = [
      ['otel-collector', /^--config=(.+)$/, 'otel-collector/config.yaml'],
      ['jaeger', /^--config=(.+)$/, 'jaeger/config.yaml'],
      ['prometheus', /^--config\.file=(.+)$/, 'prometheus/prometheus.yml'],
      ['alertmanager', /^--config\.file=(.+)$/, 'prometheus/alertmanager.yml'],
      ['loki', /^-config\.file=(.+)$/, 'loki/config.yaml'],
    ];
    for (const [name, flag, file] of configs) {
      const service = project.services[name];
      const target = service?.command?.map((arg) => flag.exec(arg)?.[1]).find(Boolean);
      assert.ok(target, `${name} names its config file on the command line`);
      assert.equal(bindSources(service).get(target), file, `${name} loads ${file}`);
    }
    // The collector image's own default config lives elsewhere: ours cannot be shadowed.
    assert.notEqual(project.services['otel-collector']?.command?.[0], '--config=/etc/otelcol-contrib/config.yaml');
    const rules = bindSources(project.services.prometheus ?? {}).get('/etc/prometheus/rules');
    assert.equal(rules, 'prometheus/rules', 'Prometheus gets the rule files next to its config');
  });

  test('Prometheus accepts OTLP, remote write and exemplars', () => {
    const command = project.services.prometheus?.command ?? [];
    for (const flag of [
      '--web.enable-otlp-receiver',
      '--web.enable-remote-write-receiver',
      '--enable-feature=exemplar-storage',
      '--enable-feature=created-timestamp-zero-ingestion',
    ]) {
      assert.ok(command.includes(flag), `prometheus ${flag}`);
    }
  });

  test('Grafana: provisioned, anonymous read-only, admin password from .env', () => {
    const grafana = project.services.grafana;
    const e = grafana?.environment ?? {};
    assert.equal(e.GF_AUTH_ANONYMOUS_ENABLED, 'true');
    assert.equal(e.GF_AUTH_ANONYMOUS_ORG_ROLE, 'Viewer');
    assert.equal(e.GF_SECURITY_ADMIN_PASSWORD, readEnvFile('.env.example').get('GRAFANA_ADMIN_PASSWORD'));
    const mounts = bindSources(grafana ?? {});
    // Each provisioning folder on its own: a mount over /etc/grafana/provisioning would hide
    // the image's plugins/ and alerting/ folders (an error line each at every start).
    assert.equal(mounts.get('/etc/grafana/provisioning'), undefined);
    assert.equal(mounts.get('/etc/grafana/provisioning/datasources'), 'grafana/provisioning/datasources');
    assert.equal(mounts.get('/etc/grafana/provisioning/dashboards'), 'grafana/provisioning/dashboards');
    // Nothing is fetched from the internet at start.
    assert.equal(e.GF_PLUGINS_PREINSTALL_DISABLED, 'true');
    const dashboards = mounts.get('/etc/grafana/dashboards/shopscope');
    assert.equal(dashboards, 'grafana/dashboards');
    const home = e.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH ?? '';
    assert.ok(home.startsWith('/etc/grafana/dashboards/shopscope/'));
    assert.ok(readRepoFile('grafana/dashboards', path.basename(home)), 'the home dashboard exists');
  });

  test('k6 runs only under its profile and writes to Prometheus', () => {
    const k6 = project.services.k6;
    assert.deepEqual(k6?.profiles, ['k6']);
    assert.equal(k6?.environment?.K6_OUT, 'experimental-prometheus-rw');
    assert.equal(k6?.environment?.K6_PROMETHEUS_RW_SERVER_URL, 'http://prometheus:9090/api/v1/write');
    for (const [name, service] of services) {
      if (name !== 'k6') assert.ok(!service.profiles?.length, `${name} runs by default`);
    }
  });
});

describe("docker-compose.yml's command lines in the native stack (tools/stack/compose-args.ts)", () => {
  const layout: StackLayout = {
    dir: '/tmp/shopscope-native-stack',
    ports: Object.fromEntries(PORT_NAMES.map((name, i) => [name, 40_000 + i])) as StackLayout['ports'],
  };

  test('reads every command and environment as compose-go resolves them', () => {
    const read = composeServices();
    assert.deepEqual(Object.keys(read).sort(), Object.keys(project.services).sort());
    for (const [name, service] of services) {
      assert.deepEqual(read[name]?.command, service.command ?? [], `${name}: command`);
      // compose-go adds the env_file's variables (services/runtime.env), which are not read here.
      for (const [key, value] of Object.entries(read[name]?.environment ?? {})) {
        assert.equal(value, service.environment?.[key] ?? '', `${name}: environment ${key}`);
      }
    }
  });

  test('every argument of every component the native stack runs is mapped or kept as it is', () => {
    // nativeCommandLines throws, naming the argument, when one names a path or an address
    // the component's module does not rewrite.
    const lines = nativeCommandLines(layout);
    assert.deepEqual(Object.keys(lines).sort(), [
      'alertmanager',
      'jaeger',
      'loki',
      'mailpit',
      'otel-collector',
      'prometheus',
    ]);
    for (const [name, args] of Object.entries(lines)) {
      for (const arg of args) {
        const value = /^-{1,2}[\w.-]+=(.*)$/.exec(arg)?.[1] ?? '';
        if (value.startsWith('/')) {
          assert.ok(
            value.startsWith(layout.dir) || value.startsWith(repoRoot),
            `${name}: ${arg} is a path of neither the stack nor the repository`,
          );
        }
        assert.doesNotMatch(
          value,
          /(?:localhost|0\.0\.0\.0|otel-collector|prometheus|alertmanager|mailpit|jaeger|loki):\d/,
          `${name}: ${arg}`,
        );
      }
    }
    assert.ok(
      lines.prometheus?.includes('--web.enable-otlp-receiver'),
      "Prometheus's flags come from docker-compose.yml",
    );
    assert.ok(lines.prometheus?.includes('--storage.tsdb.retention.time=30d'), 'with their defaults filled in');
  });

  test('an argument the native stack cannot map fails (planted in a copy of the file)', () => {
    const planted = composeServices(
      readRepoFile('docker-compose.yml').replace(
        '      - --web.enable-lifecycle\n',
        '      - --web.enable-lifecycle\n      - --web.config.file=/etc/prometheus/web.yml\n',
      ),
    );
    assert.ok(planted.prometheus?.command.includes('--web.config.file=/etc/prometheus/web.yml'), 'planted');
    assert.throws(
      () => nativeCommandLines(layout, planted),
      /prometheus's command has arguments the native stack cannot map: --web\.config\.file=\/etc\/prometheus\/web\.yml/,
    );
    assert.throws(
      () => nativeArgs('prometheus', { rewrite: {} }, composeServices()),
      /--config\.file=\/etc\/prometheus\/prometheus\.yml/,
    );
  });
});
