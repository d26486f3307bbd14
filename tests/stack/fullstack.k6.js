// Load for the native full-stack test (tests/stack/fullstack.test.ts), run by the real k6
// binary: a few virtual users browse the web shop and read the catalogue API on loopback.
// The test runs it with `-o experimental-prometheus-rw`, as docker-compose.yml runs k6, so
// its results reach Prometheus and the k6 dashboard's queries have data.
import { check, sleep } from 'k6';
import http from 'k6/http';

const FRONTEND = __ENV.FRONTEND_URL;
const PRODUCTS = __ENV.PRODUCT_SERVICE_URL;
const SLUGS = ['laptop-pro', 'smartphone-x', 'wireless-headphones', 'gaming-mouse', 'webcam-hd'];

export const options = {
  scenarios: {
    browse: { executor: 'constant-vus', vus: Number(__ENV.VUS || 3), duration: __ENV.DURATION || '15s' },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
  },
};

export default function () {
  const home = http.get(`${FRONTEND}/`, { tags: { name: 'catalogue page' } });
  check(home, { 'catalogue page is 200': (r) => r.status === 200 });
  const slug = SLUGS[Math.floor(Math.random() * SLUGS.length)];
  const page = http.get(`${FRONTEND}/product/${slug}`, { tags: { name: 'product page' } });
  check(page, { 'product page is 200': (r) => r.status === 200 });
  const api = http.get(`${PRODUCTS}/api/products`, { tags: { name: 'products API' } });
  check(api, { 'products API is 200': (r) => r.status === 200 });
  sleep(0.3);
}
