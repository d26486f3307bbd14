/**
 * Every LogQL and PromQL query of the repository parses with the official grammars
 * (@grafana/lezer-logql, @prometheus-io/lezer-promql): dashboards, datasource provisioning,
 * alert and recording rules and their unit tests, docs, labs, runbooks, READMEs and scripts.
 * A typo fails here even where no live backend runs the query, and without any built tool.
 *
 * The extraction is checked for completeness against independent counts of the files, and
 * the checker is shown to reject planted errors (in real queries of each kind of source, and
 * in temporary copies of real files).
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readRepoFile, repoRoot } from '../../tools/stack/repo.ts';
import type { Dashboard } from './grafana-standin.ts';
import {
  checkQuery,
  type FoundQuery,
  type Language,
  type RepositoryQueries,
  repositoryQueries,
  shellQueries,
} from './query-sources.ts';

let found: RepositoryQueries;

before(() => {
  found = repositoryQueries();
});

const count = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].length;
const byFile = (file: string, filter: (q: FoundQuery) => boolean = () => true) =>
  found.queries.filter((q) => q.file === file && filter(q));

/**
 * The least each (language, source) must yield (the repository holds at least this many); a drop below
 * these means the extraction broke (or queries were removed: then lower the number).
 */
const MINIMUMS: Record<string, number> = {
  'promql dashboards': 100,
  'logql dashboards': 5,
  'promql grafana provisioning': 2,
  'logql grafana provisioning': 1,
  'promql prometheus rules': 37,
  'promql prometheus rule tests': 60,
  'promql labs': 15,
  'logql labs': 4,
  'promql runbooks': 10,
  'promql docs': 2,
  'promql k6': 1,
  'promql scripts': 6,
  'logql scripts': 1,
};

describe('queries found in every source', () => {
  test('counts per language and source reach their minimums', (t) => {
    const counts = new Map<string, number>();
    for (const q of found.queries)
      counts.set(`${q.language} ${q.source}`, (counts.get(`${q.language} ${q.source}`) ?? 0) + 1);
    for (const language of ['promql', 'logql'] as Language[]) {
      const rows = [...counts].filter(([key]) => key.startsWith(`${language} `)).sort();
      const total = rows.reduce((sum, [, n]) => sum + n, 0);
      t.diagnostic(
        `${language}: ${total} queries — ${rows.map(([key, n]) => `${key.slice(language.length + 1)} ${n}`).join(', ')}`,
      );
    }
    for (const [key, minimum] of Object.entries(MINIMUMS)) {
      assert.ok(
        (counts.get(key) ?? 0) >= minimum,
        `${key}: ${counts.get(key) ?? 0} queries found, expected at least ${minimum}`,
      );
    }
  });

  test('dashboards: every target expr, every Loki target and every query variable', () => {
    assert.ok(found.files.dashboards.length >= 7, `${found.files.dashboards.length} dashboards`);
    let lokiTargets = 0;
    for (const file of found.files.dashboards) {
      const text = readRepoFile(file);
      const dashboard: Dashboard = JSON.parse(text);
      const targets = byFile(file, (q) => q.context.startsWith('panel ') || q.context.startsWith('annotation '));
      // Counted in the text, independently of the extraction: one query per "expr" key.
      assert.equal(targets.length, count(text, /"expr"\s*:/g), `${file}: queries found vs "expr" keys in the file`);
      assert.ok(targets.length > 0, `${file}: no query found`);
      const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
      const loki = panels.flatMap((p) =>
        (p.targets ?? []).filter((target) => (target.datasource?.uid ?? p.datasource?.uid) === 'loki' && target.expr),
      );
      lokiTargets += loki.length;
      assert.equal(
        byFile(file, (q) => q.language === 'logql' && q.context.startsWith('panel ')).length,
        loki.length,
        `${file}: Loki targets`,
      );
      const promVariables = (dashboard.templating?.list ?? []).filter(
        (v) => v.type === 'query' && v.datasource?.uid === 'prometheus',
      );
      assert.equal(
        byFile(file, (q) => q.shape === 'variable').length,
        promVariables.length,
        `${file}: Prometheus query variables`,
      );
    }
    assert.ok(lokiTargets >= 5, `${lokiTargets} Loki targets in the dashboards`);
  });

  test('rules: the expr of every alert and recording rule, by name', () => {
    assert.ok(found.files.rules.length >= 4, found.files.rules.join(', '));
    for (const file of found.files.rules) {
      const text = readRepoFile(file);
      const alerts = [...text.matchAll(/^\s*- alert:\s*(\S+)/gm)].map((m) => `alert ${m[1]} expr`);
      const records = [...text.matchAll(/^\s*- record:\s*(\S+)/gm)].map((m) => `record ${m[1]} expr`);
      const exprs = byFile(file, (q) => q.source === 'prometheus rules').map((q) => q.context);
      assert.deepEqual(exprs.sort(), [...alerts, ...records].sort(), file);
      assert.equal(exprs.length, count(text, /^\s*(- )?expr:/gm), `${file}: expr keys`);
    }
    const alerts = found.queries.filter((q) => q.context.startsWith('alert ') && q.source === 'prometheus rules');
    assert.ok(alerts.length >= 13, `${alerts.length} alerts`);
  });

  test('rule unit tests: every promql_expr_test expression and input series', () => {
    for (const file of found.files.ruleTests) {
      const text = readRepoFile(file);
      assert.equal(
        byFile(file, (q) => q.shape === 'series').length,
        count(text, /^\s*- series:/gm),
        `${file}: input series`,
      );
      assert.equal(
        byFile(file, (q) => q.shape === 'expr').length,
        count(text, /^\s*- expr:/gm),
        `${file}: promql_expr_test`,
      );
    }
  });

  test('datasource provisioning: trace → logs (LogQL) and trace → metrics (PromQL) queries', () => {
    const file = 'grafana/provisioning/datasources/datasources.yaml';
    const text = readRepoFile(file);
    assert.equal(
      byFile(file, (q) => q.language === 'logql').length,
      count(text, /tracesToLogsV2:[\s\S]*?\n\s+query:/g),
    );
    const metrics = /tracesToMetrics:[\s\S]*?queries:\n((?:\s+- name:.*\n\s+query:.*\n)+)/.exec(text)?.[1] ?? '';
    assert.equal(byFile(file, (q) => q.language === 'promql').length, count(metrics, /query:/g));
  });

  test('markdown: every ```promql and ```logql block, each with at least one query', () => {
    let fences = 0;
    for (const file of found.files.markdown) fences += count(readRepoFile(file), /^\s*```(promql|logql)\s*$/gm);
    assert.equal(found.fences.length, fences, 'fences found vs fences in the files');
    assert.ok(fences >= 15, `${fences} fences`);
    for (const fence of found.fences)
      assert.ok(fence.queries > 0, `${fence.file}:${fence.line}: empty ${fence.language} block`);
    assert.ok(found.files.markdown.includes('README.md') && found.files.markdown.includes('k6/README.md'));
    assert.ok(found.files.markdown.filter((f) => f.startsWith('docs/runbooks/')).length >= 13, 'every runbook read');
    const inline = found.queries.filter((q) => q.context === 'inline code');
    assert.ok(inline.length >= 10, `${inline.length} inline queries`);
  });

  test('scripts: every query sent to Prometheus or Loki', () => {
    assert.ok(
      found.files.scripts.includes('scripts/validate.sh') && found.files.scripts.includes('scripts/lib/common.sh'),
    );
    let expected = 0;
    for (const file of found.files.scripts) {
      const text = readRepoFile(file);
      // A helper call with a literal argument (not one forwarding "$1"), and curl's query=.
      expected += count(text, /\b(prom_query|prom_value|prom_has_result)\s+(["'])(?!\$\{?\w+\}?\2)/g);
      expected += count(text, /--data-urlencode[\s=]+(["']?)query=(?!\$\{?\w+\}?\1(\s|$))/g);
    }
    assert.equal(found.queries.filter((q) => q.source === 'scripts').length, expected);
  });
});

describe('every query parses', () => {
  for (const language of ['promql', 'logql'] as Language[]) {
    test(`every ${language === 'promql' ? 'PromQL' : 'LogQL'} query (${language === 'promql' ? '@prometheus-io/lezer-promql' : '@grafana/lezer-logql'})`, () => {
      const queries = found.queries.filter((q) => q.language === language);
      assert.ok(queries.length > 0);
      const failures = queries.map(checkQuery).filter((message) => message !== undefined);
      assert.equal(
        failures.length,
        0,
        `${failures.length} of ${queries.length} queries do not parse:\n\n${failures.join('\n\n')}`,
      );
    });
  }
});

interface Planted {
  language: Language;
  source: string;
  error: string;
  /** Picks the real query to break. */
  pick: (q: FoundQuery) => boolean;
  plant: (query: string) => string;
}

const PLANTED: Planted[] = [
  // PromQL
  {
    language: 'promql',
    source: 'dashboards',
    error: 'misspelt function: sum by (le) (rat(…))',
    pick: (q) => q.shape === 'expr' && /sum by \(le\) \(rate\(/.test(q.query),
    plant: (q) => q.replace('rate(', 'rat('),
  },
  {
    language: 'promql',
    source: 'dashboards',
    error: 'bad matcher == in a label_values() variable',
    pick: (q) => q.shape === 'variable' && q.query.startsWith('label_values('),
    plant: (q) => q.replace(/label_values\((\w+)/, 'label_values($1{service_name=="x"}'),
  },
  {
    language: 'promql',
    source: 'grafana provisioning',
    error: 'unbalanced parenthesis',
    pick: (q) => q.query.trimEnd().endsWith(')'),
    plant: (q) => q.trimEnd().slice(0, -1),
  },
  {
    language: 'promql',
    source: 'prometheus rules',
    error: 'missing range: rate(x) instead of rate(x[5m])',
    pick: (q) => q.context.startsWith('record ') && /rate\([\w:]+\[5m\]\)/.test(q.query),
    plant: (q) => q.replace(/(rate\([\w:]+)\[5m\]\)/, '$1)'),
  },
  {
    language: 'promql',
    source: 'prometheus rules',
    error: 'unbalanced parenthesis in a multi-line alert',
    pick: (q) => q.context.startsWith('alert ') && q.query.includes('\n') && q.query.includes('label_replace('),
    plant: (q) => q.replace('label_replace(rate(', 'label_replace(rate(('),
  },
  {
    language: 'promql',
    source: 'prometheus rule tests',
    error: 'bad matcher == in an input series',
    pick: (q) => q.shape === 'series' && q.query.includes('="'),
    plant: (q) => q.replace('="', '=="'),
  },
  {
    language: 'promql',
    source: 'labs',
    error: 'bad matcher == in a ```promql block',
    pick: (q) => q.context === '```promql block' && q.query.includes('="'),
    plant: (q) => q.replace('="', '=="'),
  },
  {
    language: 'promql',
    source: 'runbooks',
    error: 'misspelt aggregation: mx by (…)',
    pick: (q) => q.context === '```promql block' && q.query.startsWith('max by'),
    plant: (q) => q.replace('max by', 'mx by'),
  },
  {
    language: 'promql',
    source: 'k6',
    error: 'unclosed selector in inline prose',
    pick: (q) => q.context === 'inline code' && q.query.endsWith('}'),
    plant: (q) => q.slice(0, -1),
  },
  {
    language: 'promql',
    source: 'scripts',
    error: 'missing range in a query built with a shell variable',
    pick: (q) => q.query.includes('$metric') && q.query.includes('[5m]'),
    plant: (q) => q.replace('[5m]', ''),
  },
  // LogQL
  {
    language: 'logql',
    source: 'dashboards',
    error: '|~ without a string',
    pick: (q) => q.shape === 'expr' && q.query.startsWith('{') && q.query.includes('|~ `$search`'),
    plant: (q) => q.replace('|~ `$search`', '|~ '),
  },
  {
    language: 'logql',
    source: 'dashboards',
    error: 'missing range: rate({…} |~ `…`)',
    pick: (q) => q.query.includes('[$__auto]'),
    plant: (q) => q.replace(' [$__auto]', ''),
  },
  {
    language: 'logql',
    source: 'dashboards',
    error: 'unbalanced parenthesis',
    pick: (q) => q.query.startsWith('sum by') && q.query.endsWith(')'),
    plant: (q) => q.slice(0, -1),
  },
  {
    language: 'logql',
    source: 'grafana provisioning',
    error: 'pipeline typo: | josn |',
    pick: (q) => q.query.includes('} | trace_id='),
    plant: (q) => q.replace('} | trace_id=', '} | josn | trace_id='),
  },
  {
    language: 'logql',
    source: 'labs',
    error: 'bad matcher == in a ```logql block',
    pick: (q) => q.context === '```logql block' && q.query.includes('{service_namespace="'),
    plant: (q) => q.replace('{service_namespace="', '{service_namespace=="'),
  },
  {
    language: 'logql',
    source: 'labs',
    error: 'label filter without a value in an inline pipeline fragment',
    pick: (q) => q.shape === 'pipeline',
    plant: (q) => q.replace(/=".*"$/, '='),
  },
  {
    language: 'logql',
    source: 'scripts',
    error: 'pipeline typo: | josn | in the query sent by curl',
    pick: (q) => q.query.includes('} | trace_id'),
    plant: (q) => q.replace('} | trace_id', '} | josn | trace_id'),
  },
  {
    language: 'logql',
    source: 'scripts',
    error: 'bad matcher {service_name=="…"}',
    pick: (q) => q.query.includes('{service_name="'),
    plant: (q) => q.replace('{service_name="', '{service_name=="'),
  },
];

describe('the checker rejects errors planted in real queries', () => {
  for (const planted of PLANTED) {
    test(`${planted.language} from ${planted.source}: ${planted.error}`, () => {
      const real = found.queries.find(
        (q) => q.language === planted.language && q.source === planted.source && planted.pick(q),
      );
      assert.ok(real, `no ${planted.language} query of ${planted.source} to plant "${planted.error}" in`);
      assert.equal(checkQuery(real), undefined, 'the real query parses');
      const broken = { ...real, query: planted.plant(real.query) };
      assert.notEqual(broken.query, real.query, 'the error was planted');
      const message = checkQuery(broken);
      assert.ok(message, `not rejected: ${broken.query}`);
      assert.ok(message.startsWith(`${real.file}:${real.line} (`), `names the file and the line:\n${message}`);
      assert.ok(message.includes(`query: ${broken.query.trimEnd()}`), `names the query:\n${message}`);
      assert.match(message, /does not parse: .* at (line \d+ )?column \d+/);
    });
  }

  test('an unknown shell variable in a script query is an error, not a guess', () => {
    const [q] = shellQueries('scripts/x.sh', 'prom_value "sum(rate($metricname[5m]))"');
    assert.ok(q);
    assert.match(checkQuery(q) ?? '', /scripts\/x\.sh:1 .*shell variable \$metricname has no sample value/);
  });
});

describe('a broken query in a copy of a real file is found and rejected', () => {
  const COPIED = ['grafana', 'prometheus', 'docs', 'scripts', 'k6', 'README.md'];
  let root: string;
  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'shopscope-queries-'));
    for (const entry of COPIED) cpSync(path.join(repoRoot, entry), path.join(root, entry), { recursive: true });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const failures = () =>
    repositoryQueries(root)
      .queries.map(checkQuery)
      .filter((m) => m !== undefined);
  const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;

  /** Breaks `file` in the copy with one replacement, runs `check` on the broken text, restores it. */
  function withBrokenCopy(file: string, from: string | RegExp, to: string, check: (broken: string) => void) {
    const original = readRepoFile(file);
    const broken = original.replace(from, to);
    assert.notEqual(broken, original, `${file}: the replacement applies`);
    writeFileSync(path.join(root, file), broken);
    try {
      check(broken);
    } finally {
      writeFileSync(path.join(root, file), original);
    }
  }

  test('the unchanged copy: the same queries as the repository, none broken', () => {
    const inCopy = found.queries.filter((q) =>
      COPIED.some((entry) => q.file === entry || q.file.startsWith(`${entry}/`)),
    );
    assert.equal(repositoryQueries(root).queries.length, inCopy.length);
    assert.deepEqual(failures(), []);
  });

  test('a dashboard: a LogQL pipeline typo in the logs dashboard', () => {
    const file = 'grafana/dashboards/logs.json';
    withBrokenCopy(
      file,
      '"{service_name=~\\"$service\\"} |~ `$search`"',
      '"{service_name=~\\"$service\\"} | josn |~ `$search`"',
      (broken) => {
        const messages = failures();
        assert.equal(messages.length, 1, messages.join('\n\n'));
        const message = messages[0]!;
        assert.ok(
          message.startsWith(`${file}:${lineOf(broken, '| josn |')} (panel "All lines" A): LogQL does not parse`),
          message,
        );
        assert.ok(message.includes('query: {service_name=~"$service"} | josn |~ `$search`'), message);
      },
    );
  });

  test('a lab: a misspelt function in a ```promql block, a broken inline LogQL query', () => {
    const file = 'docs/labs/02-find-the-slow-service.md';
    const fenced = [
      '(rate(http_server_request_duration_seconds_bucket[1m])))',
      '(rat(http_server_request_duration_seconds_bucket[1m])))',
    ] as const;
    withBrokenCopy(file, fenced[0], fenced[1], (broken) => {
      const messages = failures();
      assert.equal(messages.length, 1, messages.join('\n\n'));
      assert.ok(
        messages[0]!.startsWith(`${file}:${lineOf(broken, '(rat(')} (\`\`\`promql block): PromQL does not parse`),
        messages[0],
      );
      assert.ok(messages[0]!.includes('⟦here⟧'), messages[0]);
    });
    withBrokenCopy(file, /\n\n/, '\n\nIn Explore, run `{service_namespace="shopscope"} |~ `.\n\n', (broken) => {
      const messages = failures();
      assert.equal(messages.length, 1, messages.join('\n\n'));
      assert.ok(
        messages[0]!.startsWith(`${file}:${lineOf(broken, 'In Explore, run')} (inline code): LogQL does not parse`),
        messages[0],
      );
    });
  });

  test('a rule file: a broken query inside an alert annotation', () => {
    const file = 'prometheus/rules/alerts-services.yml';
    const summary = /(\n\s+)summary: "\{\{ \$labels\.service_name \}\} does not answer"/;
    const replacement =
      '$1summary: "{{ $labels.service_name }} does not answer ({{ with query \\"count(up == 0\\" }}{{ . | first | value }}{{ end }} down)"';
    withBrokenCopy(file, summary, replacement, (broken) => {
      const messages = failures();
      assert.equal(messages.length, 1, messages.join('\n\n'));
      assert.ok(
        messages[0]!.startsWith(
          `${file}:${lineOf(broken, 'with query')} (alert ServiceDown annotations summary): PromQL`,
        ),
        messages[0],
      );
      assert.ok(messages[0]!.includes('query: count(up == 0\n'), messages[0]);
    });
  });

  test('a script: a broken query sent to Prometheus', () => {
    const file = 'scripts/validate.sh';
    withBrokenCopy(file, `prom_value 'up{job="otel-collector"}'`, `prom_value 'up{job="otel-collector"'`, (broken) => {
      const messages = failures();
      assert.equal(messages.length, 1, messages.join('\n\n'));
      assert.ok(
        messages[0]!.startsWith(
          `${file}:${lineOf(broken, "prom_value 'up{")} (prom_value argument): PromQL does not parse`,
        ),
        messages[0],
      );
    });
  });
});
