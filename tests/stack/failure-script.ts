/**
 * One failure script of scripts/ run as a learner runs it, and checked the way a learner
 * would check it: it exits 0 after saying its alert fired and resolved, and Prometheus
 * agrees — not firing when the script started, firing when the script said so, no longer
 * firing when it ended. Shared by the stack tests that run failure scripts against the
 * native stack (resource-faults.test.ts) and the compose rehearsal (tests/compose), which
 * runs every script with its default docker commands.
 */
import assert from 'node:assert/strict';
import type { PrometheusApi } from '../../tools/stack/stack-api.ts';
import { runScript } from './scripts-runner.ts';

export interface FailureScenario {
  script: string;
  args?: string[];
  /** The alert the script waits for, and the service_name it must carry (none: any). */
  alert: string;
  service?: string;
  /** Longest the whole script may run before it is interrupted (its trap restores). */
  timeoutMs: number;
}

export interface FailureRun {
  label: string;
  /** As the script printed them: seconds from the injection to firing, and from the restore to resolution. */
  firedAfterSeconds: number;
  resolvedAfterSeconds: number;
  output: string;
}

export async function runFailureScript(
  scenario: FailureScenario,
  { env, prom, note }: { env: Record<string, string>; prom: PrometheusApi; note: (message: string) => void },
): Promise<FailureRun> {
  const label = `${scenario.script} ${(scenario.args ?? []).join(' ')}`.trim();
  const selector = (state: string) =>
    `ALERTS{alertname="${scenario.alert}"${scenario.service ? `, service_name="${scenario.service}"` : ''}, alertstate="${state}"}`;
  const startedAt = Date.now();
  let firedAt = 0;
  const result = await runScript(scenario.script, scenario.args ?? [], env, {
    timeoutMs: scenario.timeoutMs,
    onLine: (line) => {
      if (line.startsWith(`${scenario.alert} fired after`)) firedAt = Date.now();
      if (/(fired|resolved) after|did not|ERROR|WARNING/.test(line)) note(`${label}: ${line}`);
    },
  });
  const endedAt = Date.now();
  assert.equal(result.code, 0, `${label} exited ${result.code}:\n${result.output}`);
  const fired = new RegExp(`^${scenario.alert} fired after (\\d+) s$`, 'm').exec(result.output);
  const resolved = new RegExp(`^${scenario.alert} resolved after (\\d+) s$`, 'm').exec(result.output);
  assert.ok(fired && resolved, result.output);
  assert.deepEqual(
    (await prom.query(selector('firing'), startedAt / 1000)).result,
    [],
    `${scenario.alert} firing before ${label}`,
  );
  assert.equal(
    (await prom.query(selector('firing'), firedAt / 1000)).result.length,
    1,
    `${scenario.alert} firing when ${label} said so`,
  );
  assert.deepEqual(
    (await prom.query(selector('firing'), endedAt / 1000)).result,
    [],
    `${scenario.alert} still firing after ${label}`,
  );
  return {
    label,
    firedAfterSeconds: Number(fired[1]),
    resolvedAfterSeconds: Number(resolved[1]),
    output: result.output,
  };
}
