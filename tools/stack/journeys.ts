/**
 * The journey driver: runs the journeys of the k6 scenarios' journey book
 * (k6/lib/journeys.json) from Node against a real shop, so that the stack tests prove them
 * without k6 (journeys.test.ts), and the benchmark (bench/) drives its open-model load with
 * them. It is not a k6: what to send, in which order, with which values, and what each answer
 * must show is decided by k6/lib/book.js, the very module the k6 scripts use; this file only
 * sends each request (undici, redirects not followed, like the scripts) and reads the answer:
 * a cookie jar of its own, and HTML read with regular expressions where the scripts use
 * k6/html (the CSRF token of the form posting to an action, elements by a simple selector).
 *
 *   const book = loadJourneyBook();
 *   const { ok, orderId } = await runJourney(book, 'web-purchase', shopUrls(stack));
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type Dispatcher, request } from 'undici';
import { captureAll, holds, lookup, plan, prepare } from '../../k6/lib/book.js';
import type {
  Check,
  Hooks,
  JourneyBook,
  PreparedRequest,
  RequestAction,
  ResponseReader,
  ServiceName,
  Vars,
} from '../../k6/lib/book.js';
import { decodeEntities } from './frontend-client.ts';

export type { JourneyBook } from '../../k6/lib/book.js';

/** Base URLs of the four services (no trailing slash needed). */
export interface ShopUrls {
  frontend: string;
  user: string;
  product: string;
  order: string;
}

/** A shopper's account, as the journeys that create one register it (`{shopper.username}`…). */
export interface Shopper {
  username: string;
  email?: string;
  password?: string;
  first_name?: string;
  last_name?: string;
}

/** What `onRequest` is told besides the step's name, status and duration. */
export interface RequestInfo {
  method: string;
  url: string;
  /** The statuses the step expects. */
  expect: number[];
  /** bad-input: the kind of mistake. */
  case?: string;
}

export interface JourneyOptions {
  /**
   * The shopper of a journey that creates one (instead of a new one), or of a signed-in
   * journey; a string is an existing shopper's username.
   */
  shopper?: Shopper | string;
  /** Cookies the browser already holds for the frontend (a signed-in shopper's session). */
  cookies?: Record<string, string>;
  /** undici dispatcher for every request (default: undici's global one). */
  dispatcher?: Dispatcher;
  /** Called after every answer; `status` is 0 when there was none. */
  onRequest?: (stepName: string, status: number, ms: number, info: RequestInfo) => void;
  /** Aborts the requests in flight and stops the journey. */
  signal?: AbortSignal;
  /** Values the journey starts with (e.g. `adminKey`), over its own defaults. */
  vars?: Vars;
  /**
   * A visitor's pause after the steps the book marks `think`, like k6's THINK_TIME: each
   * drawn between half and 1.5 times it (ms). Default 0: requests back to back.
   */
  thinkMs?: number;
}

export interface JourneyResult {
  /** Every request answered as its step expects and every check held. */
  ok: boolean;
  /** The name of the first step that failed. */
  failedStep?: string;
  /** What went wrong there. */
  detail?: string;
  /** Every failure, in order (journeys that go on after a failure can have several). */
  failures: string[];
  /** Requests sent. */
  requests: number;
  /** The last order placed. */
  orderId?: number;
  /** Every order placed (the id of each). */
  orders: number[];
}

const BOOK_FILE = fileURLToPath(new URL('../../k6/lib/journeys.json', import.meta.url));
/** A request without a complete answer after this long has failed (k6's default timeout). */
const REQUEST_TIMEOUT_MS = 30_000;

/** The journey book, k6/lib/journeys.json (or another file with its shape). */
export function loadJourneyBook(file: string = BOOK_FILE): JourneyBook {
  return JSON.parse(readFileSync(file, 'utf8')) as JourneyBook;
}

/** The service URLs of a stack (NativeStack or anything with the same `service(name).url`). */
export function shopUrls(stack: { service(name: ServiceName): { url: string } }): ShopUrls {
  return {
    frontend: stack.service('frontend').url,
    user: stack.service('user-service').url,
    product: stack.service('product-service').url,
    order: stack.service('order-service').url,
  };
}

export const SHOPPER_PASSWORD = 'journey-correct-horse-42';

/** A new shopper, `<prefix>_<time>_<random>` (user-service allows 3 to 32 of [A-Za-z0-9_.-]). */
export function newShopper(prefix: string): Required<Shopper> {
  const username = `${prefix.slice(0, 5)}_${Date.now().toString(36).slice(-7)}_${randomBytes(4).toString('hex')}`;
  return {
    username,
    email: `${username}@example.test`,
    password: SHOPPER_PASSWORD,
    first_name: 'Journey',
    last_name: 'Shopper',
  };
}

const BASE_OF: Record<ServiceName, keyof ShopUrls> = {
  frontend: 'frontend',
  'user-service': 'user',
  'product-service': 'product',
  'order-service': 'order',
};

// ---------------------------------------------------------------------------------------
// Cookies: one jar per journey, per origin, as a browser (and k6's jar) keeps them.
// ---------------------------------------------------------------------------------------

class CookieJar {
  private readonly byOrigin = new Map<string, Map<string, string>>();

  private of(url: string): Map<string, string> {
    const origin = new URL(url).origin;
    let cookies = this.byOrigin.get(origin);
    if (!cookies) {
      cookies = new Map();
      this.byOrigin.set(origin, cookies);
    }
    return cookies;
  }

  set(url: string, cookies: Record<string, string>): void {
    const jar = this.of(url);
    for (const [name, value] of Object.entries(cookies)) jar.set(name, value);
  }

  header(url: string): string | undefined {
    const jar = this.byOrigin.get(new URL(url).origin);
    if (!jar || jar.size === 0) return undefined;
    return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  store(url: string, setCookie: string | string[] | undefined): void {
    if (setCookie === undefined) return;
    const jar = this.of(url);
    for (const line of Array.isArray(setCookie) ? setCookie : [setCookie]) {
      const [pair = '', ...attributes] = line.split(';');
      const index = pair.indexOf('=');
      if (index <= 0) continue;
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const attributeText = attributes.join(';');
      const expires = /expires=([^;]+)/i.exec(attributeText)?.[1];
      const expired =
        /max-age=(0|-\d+)\b/i.test(attributeText) || (expires !== undefined && Date.parse(expires) < Date.now());
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  }
}

// ---------------------------------------------------------------------------------------
// HTML: start tags and simple selectors, enough for the server-rendered pages of the shop.
// ---------------------------------------------------------------------------------------

interface StartTag {
  name: string;
  attributes: Map<string, string>;
  /** Index just after the tag's `>`. */
  end: number;
}

const START_TAG = /<([a-zA-Z][\w-]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/g;
const ATTRIBUTE = /([^\s=>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

function startTags(html: string): StartTag[] {
  const tags: StartTag[] = [];
  for (const match of html.matchAll(START_TAG)) {
    const attributes = new Map<string, string>();
    for (const attribute of (match[2] ?? '').matchAll(ATTRIBUTE)) {
      attributes.set(attribute[1]!.toLowerCase(), decodeEntities(attribute[2] ?? attribute[3] ?? attribute[4] ?? ''));
    }
    tags.push({ name: match[1]!.toLowerCase(), attributes, end: match.index + match[0].length });
  }
  return tags;
}

/** A compound selector: `tag`, `.class`, `[attr]`, `[attr="value"]` (no combinators). */
interface Selector {
  tag?: string;
  classes: string[];
  attributes: [string, string | undefined][];
}

const selectorCache = new Map<string, Selector>();

function parseSelector(text: string): Selector {
  const cached = selectorCache.get(text);
  if (cached) return cached;
  const whole = /^([a-zA-Z][\w-]*)?((?:\.[\w-]+|\[[\w-]+(?:="[^"]*")?\])*)$/.exec(text.trim());
  if (!whole) throw new Error(`unsupported selector "${text}" (one compound selector: tag.class[attr="value"])`);
  const selector: Selector = { tag: whole[1]?.toLowerCase(), classes: [], attributes: [] };
  for (const part of (whole[2] ?? '').matchAll(/\.([\w-]+)|\[([\w-]+)(?:="([^"]*)")?\]/g)) {
    if (part[1] !== undefined) selector.classes.push(part[1]);
    else selector.attributes.push([part[2]!.toLowerCase(), part[3]]);
  }
  if (selectorCache.size < 1000) selectorCache.set(text, selector);
  return selector;
}

function matches(tag: StartTag, selector: Selector): boolean {
  if (selector.tag && tag.name !== selector.tag) return false;
  if (selector.classes.length > 0) {
    const classes = (tag.attributes.get('class') ?? '').split(/\s+/);
    if (!selector.classes.every((c) => classes.includes(c))) return false;
  }
  return selector.attributes.every(([name, value]) =>
    value === undefined ? tag.attributes.has(name) : tag.attributes.get(name) === value,
  );
}

/** An answer as k6/lib/book.js reads it (the tags of an HTML body are found once, when first needed). */
function readerOf(status: number, location: string | undefined, body: string): ResponseReader {
  let tags: StartTag[] | undefined;
  const all = () => {
    tags ??= startTags(body);
    return tags;
  };
  const find = (selector: string) => {
    const parsed = parseSelector(selector);
    return all().filter((tag) => matches(tag, parsed));
  };
  let json: unknown;
  let parsed = false;
  return {
    status: () => status,
    location: () => location,
    json: () => {
      if (!parsed) {
        parsed = true;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
      }
      return json;
    },
    body: () => body,
    has: (selector) => find(selector).length > 0,
    attrs: (selector, attribute) => find(selector).flatMap((tag) => tag.attributes.get(attribute.toLowerCase()) ?? []),
    text: (selector) => {
      const tag = find(selector)[0];
      if (!tag) return undefined;
      const end = body.indexOf('<', tag.end);
      return decodeEntities(body.slice(tag.end, end < 0 ? undefined : end)).trim();
    },
    // The hidden `_csrf` field inside the form posting to `action`.
    csrf: (action) => {
      for (const form of all()) {
        if (form.name !== 'form' || form.attributes.get('action') !== action) continue;
        const close = body.indexOf('</form>', form.end);
        for (const tag of all()) {
          if (tag.end <= form.end || (close >= 0 && tag.end > close)) continue;
          if (tag.name === 'input' && tag.attributes.get('name') === '_csrf')
            return tag.attributes.get('value') || undefined;
        }
      }
      return undefined;
    },
  };
}

/** For a failed check's message: the value it judged, when that is short enough to show. */
function whatWasSeen(check: Check, answer: Answer, vars: Vars): string {
  const subject = check.all?.[0] ?? check;
  let seen: unknown;
  if (subject.location !== undefined) seen = answer.location;
  else if (subject.var !== undefined) seen = lookup(vars, subject.var);
  else if (subject.json !== undefined)
    seen = lookup(readerOf(answer.status, answer.location, answer.body).json(), subject.json);
  else return '';
  const text = seen === undefined ? 'nothing' : JSON.stringify(seen);
  return text.length <= 120 ? ` (saw ${text})` : '';
}

/** What an unexpected answer said: the error page's lead paragraph, the API's message, or the start of the body. */
function gist(body: string): string {
  const said = /<p class="lead">([^<]*)<\/p>/.exec(body)?.[1] ?? body;
  return decodeEntities(said.replace(/<[^>]*>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 160);
}

// ---------------------------------------------------------------------------------------
// Running a journey.
// ---------------------------------------------------------------------------------------

interface Answer {
  status: number;
  location: string | undefined;
  body: string;
  error?: string;
}

async function send(prepared: PreparedRequest, url: string, jar: CookieJar, options: JourneyOptions): Promise<Answer> {
  const headers: Record<string, string> = { ...prepared.headers };
  let body: string | undefined;
  if (prepared.json !== undefined) {
    body = JSON.stringify(prepared.json);
    headers['content-type'] = 'application/json';
  } else if (prepared.form !== undefined) {
    body = new URLSearchParams(prepared.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (prepared.body !== undefined) {
    body = prepared.body;
  }
  const cookie = jar.header(url);
  if (cookie) headers.cookie = cookie;
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  try {
    const res = await request(url, {
      method: prepared.method,
      headers,
      body,
      dispatcher: options.dispatcher,
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
    });
    jar.store(url, res.headers['set-cookie']);
    const location = res.headers.location;
    return {
      status: res.statusCode,
      location: Array.isArray(location) ? location[0] : location,
      body: await res.body.text(),
    };
  } catch (err) {
    return { status: 0, location: undefined, body: '', error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Runs the journey `name` of `book` against the shop at `urls`: each request of the
 * journey, in order, every answer checked as the k6 scripts check it. Never throws for what
 * the shop answers: the result says whether every step worked and, if not, which failed and
 * why. Journeys that register a shopper make a new one (or use `options.shopper`).
 */
export async function runJourney(
  book: JourneyBook,
  name: string,
  urls: ShopUrls,
  options: JourneyOptions = {},
): Promise<JourneyResult> {
  const jar = new CookieJar();
  if (options.cookies) jar.set(urls.frontend, options.cookies);
  const given: Shopper | undefined =
    typeof options.shopper === 'string' ? { username: options.shopper } : options.shopper;
  let givenUsed = false;
  const hooks: Hooks = {
    newShopper: (prefix) => {
      if (given && !givenUsed) {
        givenUsed = true;
        return given;
      }
      return newShopper(prefix);
    },
    random: Math.random,
  };
  const vars: Vars = { ...options.vars };
  if (given) vars.shopper = given;
  const result: JourneyResult = { ok: false, failures: [], requests: 0, orders: [] };
  const fail = (stepName: string, detail: string) => {
    result.failures.push(`${stepName}: ${detail}`);
    if (result.failedStep === undefined) {
      result.failedStep = stepName;
      result.detail = detail;
    }
  };

  const perform = async (action: RequestAction): Promise<boolean> => {
    const stepName = book.steps[action.step]?.name ?? action.step;
    let prepared: PreparedRequest;
    try {
      prepared = prepare(book, action, vars);
    } catch (err) {
      fail(stepName, err instanceof Error ? err.message : String(err));
      return false;
    }
    const url = `${urls[BASE_OF[prepared.service]].replace(/\/+$/, '')}${prepared.path}`;
    const started = performance.now();
    const answer = await send(prepared, url, jar, options);
    const ms = performance.now() - started;
    result.requests += 1;
    options.onRequest?.(stepName, answer.status, ms, {
      method: prepared.method,
      url,
      expect: prepared.expect,
      case: action.case,
    });
    const reader = readerOf(answer.status, answer.location, answer.body);
    captureAll(action, reader, vars);
    const problems: string[] = [];
    if (!prepared.expect.includes(answer.status)) {
      const said = answer.error ?? gist(answer.body);
      problems.push(
        `${prepared.method} ${prepared.path} answered ${answer.status || 'nothing'} (expected ${prepared.expect.join(' or ')})${said ? `: ${said}` : ''}`,
      );
    }
    for (const check of action.checks ?? []) {
      if (!holds(check, reader, vars)) problems.push(`check "${check.that}" failed${whatWasSeen(check, answer, vars)}`);
    }
    if (problems.length > 0) {
      fail(action.case ? `${stepName} (${action.case})` : stepName, problems.join('; '));
      return false;
    }
    if (action.placesOrder) {
      const id = Number(vars.orderId);
      result.orders.push(id);
      result.orderId = id;
    }
    return true;
  };

  const steps = plan(book, name, vars, hooks);
  let next = steps.next();
  while (!next.done) {
    if (options.signal?.aborted) {
      fail(name, 'aborted');
      steps.return('stopped');
      return result;
    }
    const { action } = next.value;
    const worked = await perform(action);
    if (action.think && (worked || action.continue)) await think(options.thinkMs);
    next = steps.next(worked);
  }
  result.ok = next.value === 'ok' && result.failures.length === 0;
  return result;
}

/** A pause of half to 1.5 times `ms` (THINK_TIME in k6/lib/config.js); none for 0. */
async function think(ms = 0): Promise<void> {
  if (ms > 0) await sleep(ms * (0.5 + Math.random()));
}

/** The share of each journey in mixed traffic (k6/lib/journeys.js's mixedTraffic). */
export interface MixWeights {
  browse: number;
  web: number;
  api: number;
}

export interface MixResult {
  journeys: Record<'browse' | 'web-purchase' | 'api-purchase', number>;
  failed: number;
  requests: number;
  orders: number[];
  failures: string[];
}

/**
 * The load scenarios' traffic (load.js, soak.js, spike.js) without k6: `users` visitors at
 * once for `durationMs`, each running one journey after the other, picked by `weights`
 * (65 % browse, 25 % buy on the web shop, 10 % through the APIs by default), pausing
 * `thinkMs` (on average) where the scenarios do and after each journey. A journey under way
 * at the end is finished.
 */
export async function runMixedTraffic(
  book: JourneyBook,
  urls: ShopUrls,
  {
    users,
    durationMs,
    thinkMs = 0,
    rampMs = 0,
    weights = { browse: 0.65, web: 0.25, api: 0.1 },
  }: { users: number; durationMs: number; thinkMs?: number; rampMs?: number; weights?: MixWeights },
): Promise<MixResult> {
  const mix: MixResult = {
    journeys: { browse: 0, 'web-purchase': 0, 'api-purchase': 0 },
    failed: 0,
    requests: 0,
    orders: [],
    failures: [],
  };
  const deadline = Date.now() + durationMs;
  // Visitors arrive one by one over rampMs, as k6's ramping stages bring them: twenty
  // sign-ups in the same millisecond are a flood the password hashing line sheds (503).
  const visitor = async (index: number) => {
    if (rampMs > 0) await sleep((rampMs * index) / users);
    while (Date.now() < deadline) {
      const roll = Math.random();
      const name =
        roll < weights.browse ? 'browse' : roll < weights.browse + weights.web ? 'web-purchase' : 'api-purchase';
      const result = await runJourney(book, name, urls, { thinkMs });
      mix.journeys[name] += 1;
      mix.requests += result.requests;
      mix.orders.push(...result.orders);
      if (!result.ok) {
        mix.failed += 1;
        mix.failures.push(...result.failures.map((f) => `${name}: ${f}`));
      }
      await think(thinkMs);
    }
  };
  await Promise.all(Array.from({ length: users }, (_, index) => visitor(index)));
  return mix;
}
