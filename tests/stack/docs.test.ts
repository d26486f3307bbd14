/**
 * The documentation points at things that exist: README.md, docs/**, k6/README.md and
 * scripts/README.md are what a learner follows step by step, so a renamed file, dashboard,
 * panel or recording rule must fail here rather than in a classroom.
 *
 * - every relative link (and its #anchor) resolves to a file, folder or heading;
 * - every Grafana URL `/d/<uid>` names a provisioned dashboard, and its `var-<name>` a
 *   variable of that dashboard;
 * - every `scripts/*.sh` and `k6/*.js` the docs mention exists;
 * - every recording rule (`service_name:…`) the docs mention is recorded in prometheus/rules;
 * - every metric name in a ```promql block appears in the rules or the dashboards;
 * - in the labs, the runbooks and the README, *italics* name something on screen: a
 *   dashboard, a row or panel title (read from grafana/dashboards), or a UI label of the
 *   shop, Jaeger, Grafana or Docker listed below — emphasis uses **bold**;
 * - every runbook has the same sections and names the lab that practises it.
 * Static: reads files only, starts nothing.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { readRepoFile, repoPath } from '../../tools/stack/repo.ts';

/** Markdown files a learner reads (relative to the repository root). */
function learnerDocs(): string[] {
  const files = ['README.md', 'k6/README.md', 'scripts/README.md'].filter((f) => existsSync(repoPath(f)));
  const walk = (dir: string): string[] =>
    readdirSync(repoPath(dir), { withFileTypes: true }).flatMap((entry) => {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) return walk(rel);
      return entry.name.endsWith('.md') ? [rel] : [];
    });
  return [...files, ...walk('docs')].sort();
}

/** Fenced code blocks, indented ones (inside a list item) included: [whole, language, body]. */
const FENCE = /^[ \t]*(`{3,}|~{3,})([^\n]*)\n([\s\S]*?)^[ \t]*\1[ \t]*$/gm;

/** The text outside fenced code blocks and inline code, where links and italics live. */
function prose(markdown: string): string {
  return markdown.replace(FENCE, '').replace(/`[^`\n]*`/g, '``');
}

/** The bodies of the fenced code blocks of one language. */
function codeBlocks(markdown: string, language: string): string[] {
  return [...markdown.matchAll(FENCE)].filter((m) => m[2]?.trim() === language).map((m) => m[3] ?? '');
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N} -]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  const headings = prose(readRepoFile(file)).match(/^#{1,6} .+$/gm) ?? [];
  return new Set(headings.map((h) => slug(h.replace(/^#+ /, ''))));
}

interface Dashboard {
  uid: string;
  title: string;
  panels?: { title?: string; panels?: { title?: string }[] }[];
  templating?: { list?: { name: string }[] };
}

function dashboards(): Dashboard[] {
  return readdirSync(repoPath('grafana/dashboards'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readRepoFile('grafana/dashboards', f)) as Dashboard);
}

/**
 * Labels of user interfaces the docs may name in italics, besides the dashboards, their
 * panels and what the datasource provisioning names: each is a button, field, tab, menu
 * or view of the tool named.
 */
const UI_LABELS = new Set([
  // the shop (services/frontend/src/i18n/en.ts) and its seed products
  'Create account',
  'Add to cart',
  'Place order',
  'Follow your order through the shop',
  'Open the checkout trace in Jaeger',
  'Its log lines in Grafana',
  'Open it in Jaeger',
  'Laptop Pro',
  'Webcam HD',
  // Jaeger UI
  'Search',
  'Service',
  'Operation',
  'Tags',
  'Min Duration',
  'Limit Results',
  'Find Traces',
  'Monitor',
  'Trace Timeline',
  'Trace Statistics',
  // Grafana
  'Explore',
  'Code',
  'ShopScope',
  'Logs for this span',
  'Metrics for this span',
  'Last 15 minutes',
  'Last 1 hour',
  // the sections of every runbook
  'Diagnose',
  // Docker Desktop
  'Settings → Resources',
]);

describe('documentation', () => {
  const docs = learnerDocs();

  test('every relative link points to an existing file, folder or heading', () => {
    const broken: string[] = [];
    for (const file of docs) {
      const text = prose(readRepoFile(file));
      const targets = [
        ...[...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] ?? ''),
        ...[...text.matchAll(/^\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1] ?? ''),
      ];
      for (const target of targets) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
        const [pathPart = '', anchor] = target.split('#');
        const resolved =
          pathPart === '' ? file : path.join(pathPart.startsWith('/') ? '' : path.dirname(file), pathPart);
        if (!existsSync(repoPath(resolved))) {
          broken.push(`${file}: ${target} (no ${resolved})`);
          continue;
        }
        if (anchor && statSync(repoPath(resolved)).isFile() && !anchorsOf(resolved).has(anchor)) {
          broken.push(`${file}: ${target} (no heading #${anchor} in ${resolved})`);
        }
      }
    }
    assert.deepEqual(broken, []);
  });

  test('Grafana links name provisioned dashboards and their variables', () => {
    const byUid = new Map(dashboards().map((d) => [d.uid, d]));
    const broken: string[] = [];
    for (const file of docs) {
      for (const m of readRepoFile(file).matchAll(/\/d\/([a-z0-9-]+)(\?[^\s)`|>]*)?/g)) {
        const dashboard = byUid.get(m[1] ?? '');
        if (!dashboard) {
          broken.push(`${file}: /d/${m[1]} is not a dashboard uid of grafana/dashboards`);
          continue;
        }
        const variables = new Set((dashboard.templating?.list ?? []).map((v) => v.name));
        for (const v of (m[2] ?? '').matchAll(/var-([A-Za-z0-9_]+)=/g)) {
          if (!variables.has(v[1] ?? '')) broken.push(`${file}: ${dashboard.title} has no variable ${v[1]}`);
        }
      }
    }
    assert.deepEqual(broken, []);
  });

  test('the scripts and k6 scenarios the docs name exist', () => {
    const missing = new Set<string>();
    for (const file of docs) {
      for (const m of readRepoFile(file).matchAll(/\b((?:scripts|k6)\/[A-Za-z0-9_./-]+\.(?:sh|js))\b/g)) {
        if (!existsSync(repoPath(m[1] ?? ''))) missing.add(`${file}: ${m[1]}`);
      }
    }
    assert.deepEqual([...missing], []);
  });

  test('the recording rules and metrics the docs query exist', () => {
    const ruleFiles = readdirSync(repoPath('prometheus/rules')).filter((f) => f.endsWith('.yml'));
    const rulesText = ruleFiles.map((f) => readRepoFile('prometheus/rules', f)).join('\n');
    const recorded = new Set([...rulesText.matchAll(/^\s*- record:\s*(\S+)/gm)].map((m) => m[1]));
    const dashboardsText = readdirSync(repoPath('grafana/dashboards'))
      .map((f) => readRepoFile('grafana/dashboards', f))
      .join('\n');
    const known = new Set(
      [...`${rulesText}\n${dashboardsText}`.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)].map((m) => m[0]),
    );
    // PromQL's own words: functions, aggregations, keywords.
    const promql = new Set(
      'sum min max avg count by without on ignoring group_left group_right and or unless rate irate increase histogram_quantile label_replace label_join vector time offset bool topk bottomk abs'.split(
        ' ',
      ),
    );
    const problems: string[] = [];
    for (const file of docs) {
      const text = readRepoFile(file);
      for (const m of text.matchAll(/\bservice_name:[a-z0-9_:]+/g)) {
        if (!recorded.has(m[0])) problems.push(`${file}: ${m[0]} is not a recording rule`);
      }
      for (const block of codeBlocks(text, 'promql')) {
        // Label matchers, quoted strings, ranges and numbers are not metric names.
        const bare = block
          .replace(/\{[^}]*\}/g, ' ')
          .replace(/"[^"]*"/g, ' ')
          .replace(/\[[^\]]*\]/g, ' ')
          .replace(/\b\d+(\.\d+)?\b/g, ' ');
        for (const word of bare.match(/[A-Za-z_:][A-Za-z0-9_:]*/g) ?? []) {
          if (!promql.has(word) && !known.has(word))
            problems.push(`${file}: "${word}" (promql) is in no rule or dashboard`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  test('italics in the labs, runbooks and README name something on screen', () => {
    const names = new Set(UI_LABELS);
    // Datasource names, the names of the Jaeger datasource's metric queries and the labels
    // of the provisioned links ("Open trace in Jaeger") are shown by Grafana as written.
    const provisioning = readRepoFile('grafana/provisioning/datasources/datasources.yaml');
    for (const m of provisioning.matchAll(/^\s*-?\s*(?:name|urlDisplayLabel):\s*(.+?)\s*$/gm)) {
      names.add((m[1] ?? '').replace(/^(["'])(.*)\1$/, '$2'));
    }
    for (const dashboard of dashboards()) {
      names.add(dashboard.title);
      for (const panel of dashboard.panels ?? []) {
        if (panel.title) names.add(panel.title);
        for (const inner of panel.panels ?? []) if (inner.title) names.add(inner.title);
      }
    }
    const files = docs.filter((f) => f === 'README.md' || f.startsWith('docs/labs/') || f.startsWith('docs/runbooks/'));
    const unknown: string[] = [];
    for (const file of files) {
      const text = prose(readRepoFile(file)).replace(/\*\*[^*\n]+\*\*/g, ' ');
      for (const m of text.matchAll(/(?<![\w*])\*(?![\s*])([^*\n]+?)(?<!\s)\*(?![\w*])/g)) {
        if (!names.has(m[1] ?? '')) unknown.push(`${file}: *${m[1]}*`);
      }
    }
    assert.deepEqual(
      unknown,
      [],
      'italics that are neither a dashboard, a panel nor a listed UI label (use **bold** for emphasis)',
    );
  });

  test('every runbook has the same sections and names the lab that practises it', () => {
    const sections = ['What it means', 'Impact', 'Diagnose', 'Fix', 'Verify', 'Practise', 'Escalate'];
    const problems: string[] = [];
    for (const file of readdirSync(repoPath('docs/runbooks')).filter((f) => f.endsWith('.md') && f !== 'README.md')) {
      const text = readRepoFile('docs/runbooks', file);
      const headings = (text.match(/^## .+$/gm) ?? []).map((h) => h.slice(3).replace(/ \(.*\)$/, ''));
      for (const section of sections) {
        if (!headings.includes(section)) problems.push(`${file}: no "## ${section}"`);
      }
      if (!/\]\(\.\.\/labs\/\d\d-[a-z0-9-]+\.md\)/.test(text)) problems.push(`${file}: links no lab`);
    }
    assert.deepEqual(problems, []);
  });
});
