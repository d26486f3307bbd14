// The `options` of every scenario: how many virtual users for how long (overridable from
// the environment), the thresholds that decide pass or fail, and the `testid` tag.
//
// Environment (`-e NAME=value`; k6/README.md has the table):
//   VUS, DURATION   virtual users and duration of the constant-load scenarios
//   STAGES          the ramping scenarios' stages, "duration:target,…" (e.g. "30s:10,1m:10,30s:0")
//   LATENCY_FACTOR  multiplies every p95 budget (e.g. 2 on a slow machine); default 1
//   TESTID          the `testid` tag of every metric (default: the scenario's name)
import { envNumber, envString } from './config.js';

const DURATION_PATTERN = /^(\d+(\.\d+)?(ms|s|m|h))+$/;

/**
 * "30s:10,1m:10,30s:0" → [{duration: '30s', target: 10}, …]; anything else stops the test with the reason.
 * @param {string} text
 * @returns {import('k6/options').Stage[]}
 */
export function parseStages(text) {
  return text
    .split(',')
    .map((stage) => stage.trim())
    .filter((stage) => stage !== '')
    .map((stage) => {
      const [duration, target, extra] = stage.split(':');
      if (extra !== undefined || !DURATION_PATTERN.test(duration ?? '') || !/^\d+$/.test(target ?? '')) {
        throw new Error(`STAGES: "${stage}" is not <duration>:<virtual users>, e.g. 30s:10 or 1m30s:20`);
      }
      return { duration, target: Number(target) };
    });
}

/**
 * A fixed number of virtual users for a fixed time: VUS and DURATION override the defaults.
 * @param {{ vus: number, duration: string }} defaults
 * @returns {import('k6/options').ConstantVUsScenario}
 */
export function constantLoad({ vus, duration }) {
  const finalVus = envNumber('VUS', vus);
  const finalDuration = envString('DURATION', duration);
  if (!Number.isInteger(finalVus) || finalVus < 1) throw new Error(`VUS=${finalVus}: a whole number of at least 1`);
  if (!DURATION_PATTERN.test(finalDuration)) throw new Error(`DURATION=${finalDuration}: e.g. 30s, 2m or 1h30m`);
  return { executor: 'constant-vus', vus: finalVus, duration: finalDuration };
}

/**
 * Virtual users ramping through stages ("duration:target,…"): STAGES overrides the default.
 * @param {string} stages
 * @returns {import('k6/options').RampingVUsScenario}
 */
export function rampingLoad(stages) {
  const parsed = parseStages(envString('STAGES', stages));
  if (parsed.length === 0) throw new Error('STAGES is empty');
  // VUs still in an iteration when their stage ramps down get 30 s to finish it.
  return { executor: 'ramping-vus', startVUs: 0, stages: parsed, gracefulRampDown: '30s' };
}

/**
 * The thresholds of a step list (lib/steps.js): each step's p95 budget, scaled by `factor`.
 * @param {import('./book.js').Step[]} steps
 * @param {number} factor
 * @returns {Record<string, string[]>}
 */
export function latencyThresholds(steps, factor) {
  /** @type {Record<string, string[]>} */
  const thresholds = {};
  for (const step of steps) {
    thresholds[`http_req_duration{name:${step.name}}`] = [`p(95)<${Math.round(step.p95 * factor)}`];
  }
  return thresholds;
}

/**
 * A scenario's options.
 *
 * - `scenario`: its name, which k6 puts in the `scenario` tag of every metric (the k6
 *   dashboard's Scenario variable); TESTID defaults to it.
 * - `load`: constantLoad(…) or rampingLoad(…).
 * - `steps`: the steps it sends, whose p95 budgets become thresholds; `latencyFactor`
 *   loosens them for this scenario (a spike is allowed to be slower), times LATENCY_FACTOR.
 * - `maxErrorRate`: the share of requests that may fail, exclusive (http_req_failed; a
 *   request answering one of its expected statuses is not a failure, see lib/http.js);
 *   0 means none may.
 * - `minChecksRate`: the share of checks that must pass, exclusive; 1 means all.
 * - `thresholds`: more, scenario-specific ones.
 *
 * @param {object} spec
 * @param {string} spec.scenario
 * @param {import('k6/options').Scenario} spec.load
 * @param {import('./book.js').Step[]} spec.steps
 * @param {number} [spec.latencyFactor]
 * @param {number} [spec.maxErrorRate]
 * @param {number} [spec.minChecksRate]
 * @param {Record<string, string[]>} [spec.thresholds]
 * @returns {import('k6/options').Options}
 */
export function buildOptions({
  scenario,
  load,
  steps,
  latencyFactor = 1,
  maxErrorRate = 0.01,
  minChecksRate = 0.99,
  thresholds = {},
}) {
  const factor = latencyFactor * envNumber('LATENCY_FACTOR', 1);
  return {
    scenarios: { [scenario]: load },
    thresholds: {
      http_req_failed: [maxErrorRate === 0 ? 'rate==0' : `rate<${maxErrorRate}`],
      checks: [minChecksRate === 1 ? 'rate==1' : `rate>${minChecksRate}`],
      ...latencyThresholds(steps, factor),
      ...thresholds,
    },
    // On every metric: in Prometheus a `testid` label, to tell two runs of a scenario apart.
    tags: { testid: envString('TESTID', scenario) },
    summaryTrendStats: ['avg', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
  };
}
