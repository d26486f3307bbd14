// One way to send a request, shared by every scenario: tagged with its step's name, its
// expected statuses declared (so an expected 404 or 400 is not counted in
// http_req_failed), its status checked, and any 5xx counted in `server_errors`.
import { check } from 'k6';
import http from 'k6/http';
import { Counter } from 'k6/metrics';

/**
 * Responses with a 5xx status, across the whole run. A server must answer a bad request with
 * a 4xx, never a 5xx: bad-input.js sets the threshold `count==0` on it; smoke.js too.
 * Every response adds to it (0 or 1), so it is in the summary even when nothing failed.
 */
export const serverErrors = new Counter('server_errors');

// k6 builds a response callback once per list of statuses; keep them per VU.
/** @type {Record<string, ReturnType<typeof http.expectedStatuses>>} */
const callbacks = {};
/** @param {number[]} statuses */
function expectedStatuses(statuses) {
  const key = statuses.join(',');
  callbacks[key] ??= http.expectedStatuses(...statuses);
  return callbacks[key];
}

let unexpectedLogged = 0;

/**
 * @typedef {object} SendOptions
 * @property {unknown} [json]
 * @property {Record<string, string>} [form]
 * @property {string} [body]
 * @property {Record<string, string>} [headers]
 * @property {number[]} [expect]
 * @property {Record<string, string>} [tags]
 * @property {string} [timeout]
 */

/**
 * Sends one request of `step` (lib/steps.js) and checks that it answered one of `expect`.
 *
 * - `json`: a value sent as a JSON body; `form`: an object sent form-encoded (as a browser
 *   posts an HTML form); `body`: a raw body, with `headers` saying what it is.
 * - `expect`: the statuses that mean the step worked (default [200]); any other status
 *   counts in http_req_failed and fails the check "<step> answers <statuses>".
 * - Redirects are not followed: a form post's 303 is checked, and the page it leads to is
 *   loaded as its own step, so each hop has its own name and duration.
 * - `tags`: more tags for this request's metrics (bad-input.js names the kind of mistake).
 * - Requests share the virtual user's cookie jar (k6 empties it at each new iteration).
 *
 * @param {import('./book.js').Step} step
 * @param {string} method
 * @param {string} url
 * @param {SendOptions} [options]
 * @returns {import('k6/http').RefinedResponse<'text'>}
 */
export function send(step, method, url, { json, form, body, headers = {}, expect = [200], tags = {}, timeout } = {}) {
  /** @type {import('k6/http').RequestBody | undefined} */
  let payload = body;
  /** @type {Record<string, string>} */
  const allHeaders = { ...headers };
  if (json !== undefined) {
    payload = JSON.stringify(json);
    allHeaders['Content-Type'] = 'application/json';
  } else if (form !== undefined) {
    payload = form;
  }
  const res = http.request(method, url, payload, {
    headers: allHeaders,
    tags: { ...tags, name: step.name },
    redirects: 0,
    responseCallback: expectedStatuses(expect),
    timeout: timeout ?? '30s',
  });
  serverErrors.add(res.status >= 500 ? 1 : 0, { name: step.name });
  const ok = check(res, { [`${step.name} answers ${expect.join(' or ')}`]: (r) => expect.includes(r.status) });
  if (!ok && unexpectedLogged < 3) {
    // A few lines per virtual user say what went wrong, without flooding a long run's log.
    unexpectedLogged++;
    const snippet = typeof res.body === 'string' ? res.body.slice(0, 200).replace(/\s+/g, ' ') : '';
    console.warn(
      `${step.name}: ${method} ${url} answered ${res.status || res.error} (expected ${expect.join('/')}) ${snippet}`,
    );
  }
  return res;
}

/**
 * The parsed JSON body, or undefined when the body is not JSON (the check that uses it then fails).
 * @param {import('k6/http').RefinedResponse<'text'>} res
 * @returns {unknown}
 */
export function jsonBody(res) {
  try {
    return res.json();
  } catch {
    return undefined;
  }
}

/**
 * The path of a redirect (the Location header), or undefined.
 * @param {import('k6/http').RefinedResponse<'text'>} res
 * @returns {string | undefined}
 */
export function redirectTarget(res) {
  return res.headers.Location;
}

/**
 * A named check of one value; returns whether it held (so a journey can stop early).
 * @param {string} description
 * @param {unknown} condition
 * @returns {boolean}
 */
export function expectThat(description, condition) {
  return check(null, { [description]: () => Boolean(condition) });
}
