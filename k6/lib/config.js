// Where the scenarios send their requests, and the knobs every scenario reads from the
// environment. The defaults are the compose network's hostnames, as the k6 service of
// docker-compose.yml sets them; a local k6 binary passes localhost URLs instead
// (`k6 run -e FRONTEND_URL=http://localhost:8080 …`, see k6/README.md).

/**
 * A string from the environment (`-e NAME=value` or the process environment), or the default.
 * @template {string | undefined} F
 * @param {string} name
 * @param {F} fallback
 * @returns {string | F}
 */
export function envString(name, fallback) {
  const value = __ENV[name];
  return value === undefined || value === '' ? fallback : value;
}

/**
 * A number from the environment; a value that is not a number stops the test at once.
 * @param {string} name
 * @param {number} fallback
 * @returns {number}
 */
export function envNumber(name, fallback) {
  const raw = envString(name, undefined);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name}=${raw} is not a number`);
  return value;
}

/**
 * A base URL without its trailing slash, so paths can be appended with `${url}/path`.
 * @param {string} name
 * @param {string} fallback
 */
function baseUrl(name, fallback) {
  return envString(name, fallback).replace(/\/+$/, '');
}

export const FRONTEND_URL = baseUrl('FRONTEND_URL', 'http://frontend:8080');
export const USER_SERVICE_URL = baseUrl('USER_SERVICE_URL', 'http://user-service:8081');
export const PRODUCT_SERVICE_URL = baseUrl('PRODUCT_SERVICE_URL', 'http://product-service:8082');
export const ORDER_SERVICE_URL = baseUrl('ORDER_SERVICE_URL', 'http://order-service:8083');

/** The four services with their base URLs, for requests every service answers (/healthz…). */
export const SERVICES = {
  frontend: FRONTEND_URL,
  'user-service': USER_SERVICE_URL,
  'product-service': PRODUCT_SERVICE_URL,
  'order-service': ORDER_SERVICE_URL,
};

/**
 * Seconds a virtual user pauses between two steps, like a person reading the page
 * (THINK_TIME, default 1). Each pause is drawn between half and one and a half times it,
 * so virtual users do not march in lockstep. THINK_TIME=0 sends requests back to back.
 */
export const THINK_TIME = envNumber('THINK_TIME', 1);
