/**
 * Fuzz test of every JSON API endpoint and every web form (plus the pages that take
 * parameters), with fast-check: malformed JSON, wrong types, huge numbers, odd unicode,
 * long text, deep nesting, prototype keys, path traversal in ids and slugs, wrong content
 * types, duplicate keys, empty bodies; signed in (a real API key, a signed-in web session
 * with its CSRF token) and anonymous. For every request: no 5xx, no internals in the answer,
 * a refusal where the input can only be refused; after every batch: every service alive and
 * healthy, and the databases unchanged when the batch was refused (or only read).
 *
 * Reproducible: the seed is fixed (FUZZ_SEED overrides it) and printed; FUZZ_RUNS scales the
 * number of batches per endpoint. A failure shows fast-check's shrunk counterexample.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { csrfToken, signedInShopper, WebClient } from '../../tools/stack/frontend-client.ts';
import { loginAdmin, signUp, type TestAccount } from '../../tools/stack/accounts.ts';
import { DbSnapshots } from './harness/fuzz-db.ts';
import { describeCase, type FuzzAnswer, type FuzzCase, leaksIn, printable, send } from './harness/fuzz-http.ts';
import {
  fc,
  formBody,
  type GeneratedBody,
  hostileFormBody,
  hostileFormValue,
  hostileJsonBody,
  hostileJsonValue,
  hostileQuery,
  hostileSegment,
  hostileString,
  jsonObject,
  percentEncode,
} from './harness/fuzz-inputs.ts';
import { call } from './harness/http.ts';
import { ADMIN_TOKEN, INTERNAL_TOKEN } from './harness/services.ts';
import { type Shop, startShop } from './harness/shop.ts';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20_261_203;
/** Batches per endpoint at weight 1 (each batch is BATCH requests sent at once). */
const RUNS = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : 22;
const BATCH = 8;

const SLUGS = ['laptop-pro', 'smartphone-x', 'wireless-headphones', 'tablet-pro', 'smartwatch', 'camera'];
type Target = FuzzCase['target'];

let shop: Shop;
let snapshots: DbSnapshots;
const started = Date.now();
const counts = { cases: 0, batches: 0, shrinkRuns: 0 };
const perEndpoint = new Map<string, number>();
/** Per endpoint: answers by status, and how many batches had their databases compared. */
const statuses = new Map<string, Map<number, number>>();
const dbCompared = new Map<string, { compared: number; batches: number }>();

/** Accounts and sessions the cases use. */
const who = {} as {
  user: TestAccount;
  cartUser: TestAccount;
  checkoutUser: TestAccount;
  adminKey: string;
  revokedKey: string;
  shopper: Session;
  emptyCartShopper: Session;
  leavingShopper: Session;
  anonymous: Session;
  shopperUsername: string;
};

interface Session {
  cookie: string;
  token: string;
}

async function webSession(client: WebClient, page: string): Promise<Session> {
  const html = (await client.get(page)).html;
  const token = csrfToken(html);
  const cookie = [...client.cookies].map(([name, c]) => `${name}=${c.value}`).join('; ');
  return { cookie, token };
}

before(async () => {
  // Throttles far out of reach, so the handlers past them are what answers (a 429 would still pass).
  shop = await startShop({
    env: {
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000000',
      LOGIN_MAX_FAILURES_PER_ADDRESS: '1000000',
      API_KEY_MAX_FAILURES_PER_ADDRESS: '1000000',
    },
  });
  snapshots = await DbSnapshots.open(
    shop.db,
    ['user', 'product', 'order'].map((name) => new URL(shop[name as 'user'].env.DATABASE_URL ?? '').pathname.slice(1)),
  );
  const [user, cartUser, checkoutUser, revoked] = await Promise.all([
    signUp(shop.user.url, 'fuzz'),
    signUp(shop.user.url, 'fuzzcart'),
    signUp(shop.user.url, 'fuzzpay'),
    signUp(shop.user.url, 'fuzzgone'),
  ]);
  const out = await call(shop.user.url, 'POST', '/api/user/logout', { apiKey: revoked.apiKey });
  assert.equal(out.status, 200);
  // Something in the cart, so removing reaches a real line.
  const added = await call(shop.order.url, 'POST', '/api/order/add-item', {
    apiKey: cartUser.apiKey,
    body: { product_id: 1, quantity: 1 },
  });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  const shopperUsername = `fuzzweb_${Date.now().toString(36)}`;
  const [shopper, emptyCartShopper, leavingShopper] = await Promise.all([
    signedInShopper(shop.frontend.url, shopperUsername),
    signedInShopper(shop.frontend.url, `${shopperUsername}b`),
    signedInShopper(shop.frontend.url, `${shopperUsername}c`),
  ]);
  Object.assign(who, {
    user,
    cartUser,
    checkoutUser,
    adminKey: await loginAdmin(shop.user.url),
    revokedKey: revoked.apiKey,
    shopper: await webSession(shopper, '/'),
    emptyCartShopper: await webSession(emptyCartShopper, '/'),
    leavingShopper: await webSession(leavingShopper, '/'),
    anonymous: await webSession(new WebClient(shop.frontend.url), '/login'),
    shopperUsername,
  });
});

after(async () => {
  await snapshots?.close();
  await shop?.stop();
});

// ---------------------------------------------------------------------------------------------
// Credentials

interface Credential {
  headers: Record<string, string>;
  /** Not a usable credential for this endpoint: the request must be refused. */
  refused: boolean;
  label: string;
}

/** `Authorization` variants around a real key: the key itself (as the API accepts it) or broken ones. */
function apiKeyCredential(key: () => string, validWeight = 6): fc.Arbitrary<Credential> {
  const valid = (label: string, value: () => string) =>
    fc.constant(null).map((): Credential => ({ headers: { authorization: value() }, refused: false, label }));
  const refused = (label: string, headers: () => Record<string, string>) =>
    fc.constant(null).map((): Credential => ({ headers: headers(), refused: true, label }));
  return fc.oneof(
    {
      arbitrary: fc.oneof(
        { arbitrary: valid('key', () => `Bearer ${key()}`), weight: 8 },
        valid('basic key', () => `Basic ${key()}`),
        valid('lowercase bearer', () => `bearer ${key()}`),
      ),
      weight: validWeight,
    },
    {
      arbitrary: fc.oneof(
        refused('no credential', () => ({})),
        refused('empty bearer', () => ({ authorization: 'Bearer ' })),
        refused('short key', () => ({ authorization: 'Bearer abc' })),
        refused('overlong key', () => ({ authorization: `Bearer ${'k'.repeat(300)}` })),
        refused('huge header', () => ({ authorization: `Bearer ${'k'.repeat(12_000)}` })),
        refused('revoked key', () => ({ authorization: `Bearer ${who.revokedKey}` })),
        refused('altered key', () => ({ authorization: `Bearer ${flipLast(key())}` })),
        refused('key plus one', () => ({ authorization: `Bearer ${key()}x` })),
        refused('other scheme', () => ({ authorization: `Token ${key()}` })),
        refused('two keys', () => ({ authorization: `Bearer ${key()}, Bearer ${key()}` })),
        refused('traversal key', () => ({ authorization: 'Bearer ../../../../../../etc/passwd' })),
        refused('latin1 key', () => ({ authorization: 'Bearer ÿþÿþÿþÿþÿþÿþÿþÿþÿþ' })),
        refused('admin token as key', () => ({ authorization: `Bearer ${ADMIN_TOKEN}` })),
        refused('key in the wrong header', () => ({ 'x-api-key': key() })),
      ),
      weight: 3,
    },
  );
}

function flipLast(key: string): string {
  return `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
}

const anonymous: fc.Arbitrary<Credential> = fc.constant({ headers: {}, refused: false, label: 'anonymous' });

/** product-service's internal endpoints: the service credential, or none. */
const internalCredential: fc.Arbitrary<Credential> = fc.oneof(
  {
    arbitrary: fc.constant({
      headers: { authorization: `Bearer ${INTERNAL_TOKEN}` },
      refused: false,
      label: 'service credential',
    }),
    weight: 3,
  },
  fc.constantFrom<Credential>(
    { headers: {}, refused: true, label: 'no credential' },
    { headers: { authorization: 'Bearer wrong-internal-token-000' }, refused: true, label: 'wrong credential' },
    { headers: { 'x-internal-token': INTERNAL_TOKEN }, refused: true, label: 'credential in the wrong header' },
  ),
  fc.constant(null).map(
    (): Credential => ({
      headers: { authorization: `Bearer ${who.adminKey}` },
      refused: true,
      label: "an admin's API key",
    }),
  ),
);

const adminTokenCredential: fc.Arbitrary<Credential> = fc.oneof(
  {
    arbitrary: fc.constant({ headers: { 'x-admin-token': ADMIN_TOKEN }, refused: false, label: 'admin token' }),
    weight: 2,
  },
  {
    arbitrary: fc.constant({
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      refused: false,
      label: 'admin bearer',
    }),
    weight: 2,
  },
  fc
    .constantFrom<Record<string, string>>(
      {},
      { 'x-admin-token': `${ADMIN_TOKEN}x` },
      { 'x-admin-token': ADMIN_TOKEN.slice(0, -1) },
      { 'x-admin-token': '' },
      { 'x-admin-token': 'ÿ'.repeat(30) },
      { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` },
      { authorization: 'Bearer ../../../../etc/passwd' },
    )
    .map((headers): Credential => ({ headers, refused: true, label: 'bad admin token' })),
);

/** Headers that are neither body nor credential: accept, forwarding, odd language cookies. */
const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { arbitrary: fc.constant({ accept: 'application/json' }), weight: 6 },
  fc.constantFrom<Record<string, string>>(
    { accept: '*/*' },
    { accept: 'text/html' },
    { accept: 'application/xml' },
    { accept: 'ÿ/ÿ;q=abc' },
    { accept: 'application/json', 'x-forwarded-for': '1.2.3.4, ../../etc/passwd, ÿÿ' },
    { accept: 'application/json', 'x-forwarded-proto': 'gopher' },
    { accept: 'application/json', 'accept-language': 'ÿ-ÿÿ;q=NaN' },
    { accept: 'application/json', 'x-request-id': 'x'.repeat(4000) },
  ),
);

// ---------------------------------------------------------------------------------------------
// Endpoint specs

interface Spec {
  name: string;
  /** Batches at weight 1 = RUNS. */
  weight: number;
  cases: fc.Arbitrary<FuzzCase>;
  /** Only reads: the databases must be unchanged after every batch, whatever the answers. */
  readOnly?: boolean;
  /** Nothing these requests can do changes data (e.g. an empty cart): unchanged after every batch. */
  neverWrites?: boolean;
  /** One request at a time, with `afterEach` after each (the fault API changes the service itself). */
  sequential?: boolean;
  afterEach?: () => Promise<void>;
}

interface ApiSpecOptions {
  name: string;
  target: Exclude<Target, 'frontend'>;
  method: string;
  /** Fixed path, or generated (path params, query). */
  path: string | fc.Arbitrary<string>;
  credential: fc.Arbitrary<Credential>;
  /** Valid body, field → raw JSON; absent for endpoints without a body. */
  body?: () => Record<string, string>;
  /** The endpoint refuses a body without its fields. */
  requiresFields?: boolean;
  /** Every case must be refused (e.g. the credentials are right but the password never is). */
  alwaysRefused?: boolean;
  weight?: number;
  readOnly?: boolean;
  neverWrites?: boolean;
  sequential?: boolean;
  afterEach?: () => Promise<void>;
}

/** A body generator from a `valid` body made lazily (accounts exist only after `before`). */
function lazyBody(valid: () => Record<string, string>): fc.Arbitrary<GeneratedBody> {
  let built: fc.Arbitrary<GeneratedBody> | undefined;
  return fc.constant(null).chain(() => {
    built ??= hostileJsonBody(valid());
    return built;
  });
}

function apiSpec(o: ApiSpecOptions): Spec {
  const path = typeof o.path === 'string' ? fc.constant(o.path) : o.path;
  const body: fc.Arbitrary<GeneratedBody | undefined> = o.body
    ? lazyBody(o.body)
    : // Endpoints without a body still parse one: mostly none, sometimes a broken one.
      fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 5 },
        { arbitrary: lazyBody(() => ({ unexpected: '1' })), weight: 2 },
      );
  const cases = fc.tuple(path, o.credential, body, extraHeaders).map(([p, credential, b, extra]) => {
    const headers: Record<string, string> = { ...extra, ...credential.headers, ...b?.extraHeaders };
    if (b?.contentType) headers['content-type'] = b.contentType;
    const refusedBody =
      b !== undefined && (b.rejected === 'parser' || (b.rejected === 'schema' && o.requiresFields === true));
    return printable({
      target: o.target,
      method: o.method,
      path: p,
      headers,
      body: b?.body,
      mustReject: o.alwaysRefused === true || credential.refused || refusedBody,
      kind: `${credential.label}; ${b?.kind ?? 'no body'}`,
    });
  });
  return {
    name: o.name,
    weight: o.weight ?? 1,
    cases,
    readOnly: o.readOnly,
    neverWrites: o.neverWrites,
    sequential: o.sequential,
    afterEach: o.afterEach,
  };
}

const withQuery = (base: string, names: string[]) =>
  fc.oneof(
    { arbitrary: fc.constant(base), weight: 1 },
    { arbitrary: hostileQuery(names).map((q) => `${base}?${q}`), weight: 5 },
  );

const segmentPath = (prefix: string, suffix = '', valid: string[] = []) =>
  fc
    .oneof({ arbitrary: hostileSegment, weight: 6 }, { arbitrary: fc.constantFrom('1', '2', ...valid), weight: 1 })
    .map((segment) => `${prefix}${segment}${suffix}`);

const str = (s: string) => JSON.stringify(s);

const apiSpecs: Spec[] = [
  // user-service
  apiSpec({
    name: 'GET /api/user/:username/exists',
    target: 'user',
    method: 'GET',
    path: segmentPath('/api/user/', '/exists', ['admin']),
    credential: anonymous,
    readOnly: true,
  }),
  apiSpec({
    name: 'GET /api/user',
    target: 'user',
    method: 'GET',
    path: withQuery('/api/user', ['id', 'username']),
    credential: apiKeyCredential(() => who.user.apiKey),
    readOnly: true,
  }),
  apiSpec({
    name: 'GET /api/users',
    target: 'user',
    method: 'GET',
    path: withQuery('/api/users', ['limit', 'offset']),
    credential: fc.oneof(
      apiKeyCredential(() => who.adminKey),
      apiKeyCredential(() => who.user.apiKey, 1),
    ),
    readOnly: true,
  }),
  apiSpec({
    name: 'POST /api/user/logout',
    target: 'user',
    method: 'POST',
    path: '/api/user/logout',
    // Never a valid key: the first would revoke it. Every case is refused.
    credential: apiKeyCredential(() => who.user.apiKey, 0),
    alwaysRefused: true,
  }),
  // product-service
  apiSpec({
    name: 'GET /api/products',
    target: 'product',
    method: 'GET',
    path: withQuery('/api/products', ['q', 'ids', 'limit', 'offset']),
    credential: anonymous,
    readOnly: true,
  }),
  apiSpec({
    name: 'GET /api/product/:slugOrId',
    target: 'product',
    method: 'GET',
    path: segmentPath('/api/product/', '', SLUGS),
    credential: anonymous,
    readOnly: true,
  }),
  apiSpec({
    name: 'POST /api/product/create',
    target: 'product',
    method: 'POST',
    path: '/api/product/create',
    // The slug (and the name's) is taken: only a hostile value that is a new valid slug creates a product.
    body: () => ({
      name: str('Laptop Pro'),
      slug: str('laptop-pro'),
      description: str('fuzz'),
      price_cents: '1999',
      currency: str('EUR'),
      stock: '5',
      image: str('/static/images/products/laptop-pro.svg'),
    }),
    requiresFields: true,
    credential: fc.oneof(
      { arbitrary: apiKeyCredential(() => who.adminKey), weight: 3 },
      {
        arbitrary: fc.constant(null).map(
          (): Credential => ({
            headers: { authorization: `Bearer ${who.user.apiKey}` },
            refused: true,
            label: 'not an admin',
          }),
        ),
        weight: 1,
      },
    ),
    weight: 2,
  }),
  apiSpec({
    name: 'POST /api/products/reserve',
    target: 'product',
    method: 'POST',
    path: '/api/products/reserve',
    // No such product: only hostile values naming a real one with a valid quantity reserve anything.
    body: () => ({ order_ref: str('fuzz-ref-1'), items: reserveItems('999999', '1') }),
    requiresFields: true,
    credential: internalCredential,
    weight: 2,
  }),
  apiSpec({
    name: 'POST /api/products/release',
    target: 'product',
    method: 'POST',
    path: '/api/products/release',
    body: () => ({ order_ref: str('fuzz-no-such-ref') }),
    requiresFields: true,
    credential: internalCredential,
  }),
  // order-service
  apiSpec({
    name: 'GET /api/order',
    target: 'order',
    method: 'GET',
    path: withQuery('/api/order', ['id']),
    credential: apiKeyCredential(() => who.cartUser.apiKey),
    readOnly: true,
  }),
  apiSpec({
    name: 'POST /api/order/add-item',
    target: 'order',
    method: 'POST',
    path: '/api/order/add-item',
    // A real product with a quantity of 0: only a hostile value that is a valid quantity adds anything.
    body: () => ({ product_id: '2', quantity: '0' }),
    requiresFields: true,
    credential: apiKeyCredential(() => who.cartUser.apiKey),
    weight: 2,
  }),
  apiSpec({
    name: 'PUT /api/order/item/:product_id',
    target: 'order',
    method: 'PUT',
    path: segmentPath('/api/order/item/'),
    body: () => ({ quantity: '1' }),
    requiresFields: true,
    // This user's cart is always empty: every line is "not in the cart" (404), nothing is written.
    credential: apiKeyCredential(() => who.checkoutUser.apiKey),
    neverWrites: true,
  }),
  apiSpec({
    name: 'DELETE /api/order/remove-item/:product_id',
    target: 'order',
    method: 'DELETE',
    path: segmentPath('/api/order/remove-item/'),
    credential: apiKeyCredential(() => who.cartUser.apiKey),
  }),
  apiSpec({
    name: 'POST /api/order/checkout',
    target: 'order',
    method: 'POST',
    path: '/api/order/checkout',
    // This user's cart is always empty: every checkout is refused and writes nothing.
    credential: apiKeyCredential(() => who.checkoutUser.apiKey),
    alwaysRefused: true,
    neverWrites: true,
  }),
  apiSpec({
    name: 'GET /api/orders',
    target: 'order',
    method: 'GET',
    path: withQuery('/api/orders', ['limit', 'offset']),
    credential: apiKeyCredential(() => who.user.apiKey),
    readOnly: true,
  }),
  apiSpec({
    name: 'GET /api/orders/:id',
    target: 'order',
    method: 'GET',
    path: segmentPath('/api/orders/'),
    credential: apiKeyCredential(() => who.user.apiKey),
    readOnly: true,
  }),
];

function reserveItems(productId: string, quantity: string): string {
  return `[${jsonObject([
    ['product_id', productId],
    ['quantity', quantity],
  ])}]`;
}

/** Reserve's items one level down: each line's fields hostile. */
const reserveLines: Spec = {
  name: 'POST /api/products/reserve (lines)',
  weight: 1,
  cases: fc
    .tuple(
      internalCredential,
      fc.array(
        fc.tuple(
          fc.oneof(hostileJsonValue, fc.constantFrom('1', '2', '3', '"3"', '999999')),
          fc.oneof(hostileJsonValue, fc.constantFrom('1', '1000', '1001', '" 2 "')),
        ),
        { minLength: 1, maxLength: 3 },
      ),
      hostileString,
    )
    .map(([credential, lines, ref]) =>
      printable({
        target: 'product',
        method: 'POST',
        path: '/api/products/reserve',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...credential.headers },
        body: Buffer.from(
          jsonObject([
            ['order_ref', str(ref.length > 0 ? ref : 'x')],
            ['items', `[${lines.map(([p, q]) => reserveItems(p, q).slice(1, -1)).join(',')}]`],
          ]),
        ),
        mustReject: false,
        kind: `${credential.label}; hostile lines`,
      }),
    ),
};

/** The fault API of every service; sequential, and reset after each request (a valid PUT changes the service). */
const faultsSpec: Spec = {
  name: 'GET|PUT|DELETE /admin/faults (all services)',
  weight: 2,
  sequential: true,
  afterEach: resetFaults,
  readOnly: true,
  cases: fc
    .tuple(
      fc.constantFrom<Target>('user', 'product', 'order', 'frontend'),
      fc.constantFrom('GET', 'PUT', 'PUT', 'PUT', 'DELETE'),
      adminTokenCredential,
      hostileJsonBody({ latency_ms: '0', jitter_ms: '0', error_rate: '0', route: str('/no-such-route-for-faults') }),
    )
    .map(([target, method, credential, b]) =>
      printable({
        target,
        method,
        path: '/admin/faults',
        headers: {
          accept: 'application/json',
          ...credential.headers,
          ...b.extraHeaders,
          ...(b.contentType ? { 'content-type': b.contentType } : {}),
        },
        body: method === 'PUT' ? b.body : undefined,
        mustReject: credential.refused || (method === 'PUT' && b.rejected === 'parser'),
        kind: `${credential.label}; ${method === 'PUT' ? b.kind : 'no body'}`,
      }),
    ),
};

async function resetFaults(): Promise<void> {
  await Promise.all(
    shop.services.map(async (s) => {
      const res = await fetch(`${s.url}/admin/faults`, { method: 'DELETE', headers: { 'x-admin-token': ADMIN_TOKEN } });
      await res.arrayBuffer();
      assert.equal(res.status, 200, `resetting the faults of ${s.name}`);
    }),
  );
}

/** Paths no route serves, with any method, on every service. */
const unknownRoutes: Spec = {
  name: 'unknown routes (all services)',
  weight: 1,
  readOnly: true,
  cases: fc
    .tuple(
      fc.constantFrom<Target>('user', 'product', 'order', 'frontend'),
      fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
      fc.oneof(
        hostileSegment.map((s) => `/${s}`),
        hostileSegment.map((s) => `/api/${s}`),
        hostileSegment.map((s) => `/api/product/${s}/${s}`),
        hostileSegment.map((s) => `/static/${s}`),
        fc.constantFrom(
          '/healthz/../admin/faults',
          '//api//products',
          '/api/products/',
          '/API/PRODUCTS',
          '/readyz?x=%',
        ),
      ),
    )
    .map(([target, method, path]) =>
      printable({
        target,
        method,
        path,
        // The frontend's POSTs need a CSRF token: a refused request either way.
        headers: { accept: 'application/json' },
        mustReject: false,
        kind: 'unknown route',
      }),
    ),
};

// ---------------------------------------------------------------------------------------------
// Web forms and pages

interface WebCredential {
  session: () => Session | undefined;
  /** The token sent in the form (undefined: none). */
  token: () => string | undefined;
  /** CSRF fails: the form must be refused (403). */
  csrfRefused: boolean;
  /** Not signed in: a form for shoppers must send to the login page. */
  anonymous: boolean;
  label: string;
}

function webCredential(
  signedIn: () => Session,
  weights = { signedIn: 6, anonymous: 2, broken: 3 },
): fc.Arbitrary<WebCredential> {
  const cred = (
    label: string,
    session: () => Session | undefined,
    token: () => string | undefined,
    csrfRefused: boolean,
    anon: boolean,
  ) => fc.constant<WebCredential>({ label, session, token, csrfRefused, anonymous: anon });
  const variants: Array<fc.WeightedArbitrary<WebCredential>> = [
    { arbitrary: cred('signed in', signedIn, () => signedIn().token, false, false), weight: weights.signedIn },
    {
      arbitrary: cred(
        'anonymous',
        () => who.anonymous,
        () => who.anonymous.token,
        false,
        true,
      ),
      weight: weights.anonymous,
    },
    {
      arbitrary: fc.oneof(
        cred('no CSRF token', signedIn, () => undefined, true, false),
        cred('altered CSRF token', signedIn, () => flipLast(signedIn().token), true, false),
        cred(
          "another session's token",
          signedIn,
          () => (signedIn() === who.anonymous ? who.shopper : who.anonymous).token,
          true,
          false,
        ),
        cred(
          'no cookies',
          () => undefined,
          () => signedIn().token,
          true,
          true,
        ),
        cred(
          'forged session cookie',
          () => ({ cookie: 'shopscope_session=eyJ1c2VyX2lkIjoxfQ==; shopscope_session.sig=forged', token: '' }),
          () => signedIn().token,
          true,
          true,
        ),
        fc.constantFrom(...['%00', '../../etc/passwd', 'x'.repeat(5000), '\u202e', '__proto__']).map(
          (bad): WebCredential => ({
            label: 'hostile CSRF token',
            session: signedIn,
            token: () => bad,
            csrfRefused: true,
            anonymous: false,
          }),
        ),
      ),
      weight: weights.broken,
    },
  ];
  return fc.oneof(...variants.filter((v) => v.weight > 0));
}

interface FormSpecOptions {
  name: string;
  path: fc.Arbitrary<string>;
  fields: () => Record<string, string>;
  credential: fc.Arbitrary<WebCredential>;
  /** The form is only for signed-in shoppers: anonymous posts go to the login page. */
  forShoppers: boolean;
  alwaysRefused?: boolean;
  neverWrites?: boolean;
  weight?: number;
}

function formSpec(o: FormSpecOptions): Spec {
  let fieldsArb: fc.Arbitrary<Array<[string, string]>> | undefined;
  const fields = fc.constant(null).chain(() => {
    fieldsArb ??= hostileFormBody(o.fields());
    return fieldsArb;
  });
  // Mostly a form; sometimes the same fields as JSON, or a hostile non-form body (which also carries no token).
  const encoding = fc.oneof(
    { arbitrary: fc.constant<'form' | 'json' | 'raw'>('form'), weight: 8 },
    { arbitrary: fc.constant<'form' | 'json' | 'raw'>('json'), weight: 1 },
    { arbitrary: fc.constant<'form' | 'json' | 'raw'>('raw'), weight: 1 },
  );
  const raw = lazyBody(() => ({ ...Object.fromEntries(Object.entries(o.fields()).map(([k, v]) => [k, str(v)])) }));
  const cases = fc
    .tuple(
      o.path,
      o.credential,
      fields,
      encoding,
      raw,
      fc.constantFrom('text/html', 'text/html', 'application/json', '*/*'),
    )
    .map(([path, credential, pairs, enc, rawBody, accept]) => {
      const session = credential.session();
      const token = credential.token();
      const withToken: Array<[string, string]> = token === undefined ? pairs : [['_csrf', token], ...pairs];
      const headers: Record<string, string> = { accept };
      if (session?.cookie) headers.cookie = session.cookie;
      let body: Buffer | undefined;
      let kind = `${credential.label}; ${enc}`;
      let csrfRefused = credential.csrfRefused;
      let parserRefused = false;
      if (enc === 'form') {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = Buffer.from(formBody(withToken));
      } else if (enc === 'json') {
        headers['content-type'] = 'application/json';
        body = Buffer.from(jsonObject(withToken.map(([k, v]) => [k, str(v)])));
      } else {
        if (rawBody.contentType) headers['content-type'] = rawBody.contentType;
        Object.assign(headers, rawBody.extraHeaders);
        body = rawBody.body;
        kind = `${credential.label}; ${rawBody.kind}`;
        // No token in these bodies (unless a form-encoded one happens to be fine otherwise).
        csrfRefused = true;
        parserRefused = rawBody.rejected === 'parser';
      }
      const mustReject =
        o.alwaysRefused === true || csrfRefused || parserRefused || (o.forShoppers && credential.anonymous);
      return printable({ target: 'frontend', method: 'POST', path, headers, body, mustReject, kind });
    });
  return { name: o.name, weight: o.weight ?? 1, cases, neverWrites: o.neverWrites };
}

function pageSpec(name: string, path: fc.Arbitrary<string>, signedIn: () => Session, weight = 1): Spec {
  const sessions = fc.oneof(
    { arbitrary: fc.constant<() => Session | undefined>(signedIn), weight: 3 },
    { arbitrary: fc.constant<() => Session | undefined>(() => who.anonymous), weight: 1 },
    { arbitrary: fc.constant<() => Session | undefined>(() => undefined), weight: 1 },
    {
      arbitrary: hostileFormValue.map((v) => () => ({
        cookie: `shopscope_session=${percentEncode(v).slice(0, 3000)}; shopscope_lang=${percentEncode(v).slice(0, 100)}`,
        token: '',
      })),
      weight: 1,
    },
  );
  const cases = fc
    .tuple(path, sessions, fc.constantFrom('text/html', 'text/html', 'application/json', '*/*', 'ÿ'))
    .map(([p, session, accept]) => {
      const s = session();
      return printable({
        target: 'frontend',
        method: 'GET',
        path: p,
        headers: { accept, ...(s?.cookie ? { cookie: s.cookie } : {}) },
        mustReject: false,
        kind: 'page',
      });
    });
  return { name, weight, cases, readOnly: true };
}

const productSlugPath = (prefix: string) =>
  fc
    .oneof({ arbitrary: fc.constantFrom(...SLUGS), weight: 2 }, { arbitrary: hostileSegment, weight: 3 })
    .map((s) => `${prefix}${s}`);

const webSpecs: Spec[] = [
  pageSpec('GET / (search form)', withQuery('/', ['q', 'lang', 'notice']), () => who.shopper),
  pageSpec(
    'GET /login, /register',
    fc.oneof(withQuery('/login', ['next', 'notice']), withQuery('/register', ['next'])),
    () => who.shopper,
  ),
  pageSpec(
    'GET /product/:slug',
    fc
      .tuple(productSlugPath('/product/'), fc.option(hostileQuery(['added', 'lang'])))
      .map(([p, q]) => (q ? `${p}?${q}` : p)),
    () => who.shopper,
  ),
  pageSpec(
    'GET /checkout, /orders',
    fc.oneof(withQuery('/checkout', ['notice']), withQuery('/orders', ['limit'])),
    () => who.shopper,
  ),
  pageSpec('GET /orders/:id', segmentPath('/orders/'), () => who.shopper),
  pageSpec('GET /order/thank-you', withQuery('/order/thank-you', ['id']), () => who.shopper),
  pageSpec(
    'GET /lang/:code',
    fc
      .tuple(fc.oneof(fc.constantFrom('en', 'fr', 'EN', 'de'), hostileSegment), fc.option(hostileQuery(['next'])))
      .map(([code, q]) => `/lang/${code}${q ? `?${q}` : ''}`),
    () => who.shopper,
  ),
  formSpec({
    name: 'POST /product/:slug (add to cart)',
    path: productSlugPath('/product/'),
    fields: () => ({ quantity: '1' }),
    credential: webCredential(() => who.shopper),
    forShoppers: true,
    weight: 2,
  }),
  formSpec({
    name: 'POST /checkout/remove/:productId',
    path: segmentPath('/checkout/remove/'),
    fields: () => ({}),
    // This shopper's cart is empty: nothing to remove.
    credential: webCredential(() => who.emptyCartShopper),
    forShoppers: true,
    neverWrites: true,
  }),
  formSpec({
    name: 'POST /cart/quantity',
    path: fc.constantFrom('/cart/quantity', '/cart/quantity?product_id=1'),
    fields: () => ({ product_id: '2', quantity: '1' }),
    // This shopper's cart is empty: no line to change.
    credential: webCredential(() => who.emptyCartShopper),
    forShoppers: true,
    neverWrites: true,
  }),
  formSpec({
    name: 'POST /checkout/process',
    path: fc.constantFrom('/checkout/process', '/checkout/process?id=1', '/checkout/process?%zz'),
    fields: () => ({ note: 'fuzz' }),
    credential: webCredential(() => who.emptyCartShopper),
    forShoppers: true,
    // Empty cart: refused (409), and nothing written.
    alwaysRefused: true,
    neverWrites: true,
  }),
  formSpec({
    name: 'POST /logout',
    path: fc.constantFrom('/logout', '/logout?next=//evil.example'),
    fields: () => ({ next: '/' }),
    // The first valid post revokes this shopper's key; later ones post with a revoked key.
    credential: webCredential(() => who.leavingShopper, { signedIn: 2, anonymous: 2, broken: 4 }),
    forShoppers: false,
  }),
];

/** Last: they may trip the login throttle, which then refuses the sign-ins of other steps. */
const accountSpecs: Spec[] = [
  apiSpec({
    name: 'POST /api/user/create',
    target: 'user',
    method: 'POST',
    path: '/api/user/create',
    // Username and email taken: only hostile values that are a new valid username and email create an account.
    body: () => ({
      username: str(who.user.username),
      email: str(who.user.email),
      password: str('a-long-enough-password'),
      first_name: str('Fuzz'),
      last_name: str('Tester'),
    }),
    requiresFields: true,
    credential: anonymous,
    weight: 2,
  }),
  formSpec({
    name: 'POST /register',
    path: fc.constantFrom('/register', '/register?next=/checkout'),
    fields: () => ({
      username: who.shopperUsername,
      email: `${who.shopperUsername}@example.test`,
      password: 'a-long-enough-password',
      first_name: 'Fuzz',
      last_name: 'Tester',
    }),
    credential: webCredential(() => who.anonymous, { signedIn: 6, anonymous: 0, broken: 2 }),
    forShoppers: false,
    weight: 2,
  }),
  apiSpec({
    name: 'POST /api/user/login',
    target: 'user',
    method: 'POST',
    path: '/api/user/login',
    // A real username with a wrong password: every case must be refused.
    body: () => ({ username: str(who.user.username), password: str('not-the-password') }),
    requiresFields: true,
    credential: anonymous,
    alwaysRefused: true,
    weight: 2,
  }),
  formSpec({
    name: 'POST /login',
    path: fc.constantFrom('/login', '/login?next=%2Fcheckout'),
    fields: () => ({ username: who.shopperUsername, password: 'not-the-password', next: '/orders' }),
    credential: webCredential(() => who.anonymous, { signedIn: 6, anonymous: 0, broken: 2 }),
    forShoppers: false,
    alwaysRefused: true,
    weight: 2,
  }),
];

// ---------------------------------------------------------------------------------------------
// The checks

const URL_OF = (target: Target) => shop[target].url;

/** A 5xx is never fine, except the login throttle's / password-hashing shedding's 503 that says so. */
function serverErrorAllowed(c: FuzzCase, a: FuzzAnswer): boolean {
  if (a.status !== 503) return false;
  const login = /^\/(api\/user\/(login|create)|login|register)\b/.test(c.path);
  return login && /too many|try again|throttl|rate limit|busy|trop de|réessay/i.test(a.body);
}

function refused(c: FuzzCase, a: FuzzAnswer): boolean {
  if (a.status >= 400 && a.status < 500) return true;
  // Shed before any work ("too many sign-ins at once"): a refusal too.
  if (serverErrorAllowed(c, a)) return true;
  // The web shop sends anonymous visitors of shoppers' forms to the login page.
  const location = String(a.headers.location ?? '');
  return c.target === 'frontend' && a.status === 303 && /^\/login\?(.*&)?notice=signInRequired/.test(location);
}

async function healthProblems(): Promise<string[]> {
  const problems: string[] = [];
  await Promise.all(
    shop.services.map(async (s) => {
      if (s.exitCode !== null) {
        problems.push(`${s.name} exited with ${s.exitCode}: ${s.lines.slice(-5).join(' | ')}`);
        return;
      }
      try {
        const res = await fetch(`${s.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        if (res.status !== 200) problems.push(`${s.name} /healthz answered ${res.status}`);
      } catch (err) {
        problems.push(`${s.name} /healthz failed: ${(err as Error).message}`);
      }
    }),
  );
  return problems;
}

function shortBody(a: FuzzAnswer): string {
  const text = a.body.replace(/\s+/g, ' ');
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Sends one batch and checks it; throws (for fast-check) with every problem found. */
async function checkBatch(spec: Spec, batch: FuzzCase[]): Promise<void> {
  counts.batches++;
  counts.cases += batch.length;
  perEndpoint.set(spec.name, (perEndpoint.get(spec.name) ?? 0) + batch.length);
  const before = await snapshots.take();
  const problems: string[] = [];
  const answers: Array<FuzzAnswer | undefined> = [];
  const one = async (c: FuzzCase, i: number) => {
    try {
      answers[i] = await send(URL_OF(c.target), c);
    } catch (err) {
      problems.push(`no answer to ${describeCase(c)}: ${(err as Error).message}`);
    }
    if (spec.afterEach) await spec.afterEach();
  };
  if (spec.sequential) for (const [i, c] of batch.entries()) await one(c, i);
  else await Promise.all(batch.map(one));

  const histogram = statuses.get(spec.name) ?? new Map<number, number>();
  statuses.set(spec.name, histogram);
  batch.forEach((c, i) => {
    const a = answers[i];
    if (!a) return;
    histogram.set(a.status, (histogram.get(a.status) ?? 0) + 1);
    const what = `${describeCase(c)}\n    → ${a.status} ${shortBody(a)}`;
    if (a.status >= 500 && !serverErrorAllowed(c, a)) problems.push(`server error: ${what}`);
    if (a.status < 100) problems.push(`no status: ${what}`);
    for (const leak of leaksIn(a, c)) problems.push(`internals in the answer (${leak}): ${what}`);
    if (c.mustReject && !refused(c, a)) problems.push(`accepted a request that must be refused: ${what}`);
  });
  problems.push(...(await healthProblems()));

  const allRefused = batch.every((c, i) => answers[i] !== undefined && refused(c, answers[i] as FuzzAnswer));
  const db = dbCompared.get(spec.name) ?? { compared: 0, batches: 0 };
  dbCompared.set(spec.name, db);
  db.batches++;
  if (spec.readOnly || spec.neverWrites || allRefused) {
    db.compared++;
    const changed = DbSnapshots.differences(before, await snapshots.take());
    if (changed.length > 0) {
      const why = spec.readOnly
        ? 'read-only requests'
        : spec.neverWrites
          ? 'requests that cannot write'
          : 'refused requests';
      problems.push(`the database changed after ${why}:\n    ${changed.join('\n    ')}`);
    }
  }
  if (problems.length > 0) throw new Error(problems.join('\n  '));
}

async function fuzz(spec: Spec): Promise<void> {
  const numRuns = Math.max(1, Math.round(RUNS * spec.weight));
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(spec.cases, { minLength: 1, maxLength: BATCH, size: 'max' }), async (batch) => {
      if (++runs > numRuns) counts.shrinkRuns++;
      await checkBatch(spec, batch);
    }),
    {
      seed: SEED,
      numRuns,
      // Shrinking re-sends requests: bounded, the best counterexample so far is reported.
      interruptAfterTimeLimit: 120_000,
      markInterruptAsFailure: false,
    },
  );
}

describe(`fuzz: every JSON API endpoint and web form (seed ${SEED})`, () => {
  it('prints the seed', (t) => {
    t.diagnostic(
      `fast-check seed ${SEED} (FUZZ_SEED overrides), ${RUNS} batches of up to ${BATCH} requests per endpoint weight`,
    );
  });
  for (const spec of [...apiSpecs, reserveLines, faultsSpec, unknownRoutes, ...webSpecs, ...accountSpecs]) {
    it(spec.name, async (t) => {
      await fuzz(spec);
      const byStatus = [...(statuses.get(spec.name) ?? [])].sort(([a], [b]) => a - b).map(([st, n]) => `${st}×${n}`);
      const db = dbCompared.get(spec.name);
      t.diagnostic(
        `${perEndpoint.get(spec.name) ?? 0} cases: ${byStatus.join(' ')}; databases compared after ${db?.compared}/${db?.batches} batches`,
      );
    });
  }
  it('leaves every service alive and healthy, with no unhandled error logged', async (t) => {
    assert.deepEqual(await healthProblems(), []);
    for (const s of shop.services) {
      const errors = s.logs.filter((l) => l.msg === 'unhandled error' || l.msg === 'error page failed to render');
      assert.deepEqual(
        errors.map((l) => JSON.stringify(l).slice(0, 500)),
        [],
        `${s.name} logged unhandled errors`,
      );
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    t.diagnostic(
      `${counts.cases} cases in ${counts.batches} batches (${counts.shrinkRuns} shrink re-runs) over ${perEndpoint.size} endpoints/forms in ${seconds} s, seed ${SEED}`,
    );
  });
});
