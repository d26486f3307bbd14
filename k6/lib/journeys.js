// What a visitor does in one iteration: the journeys of the journey book (journeys.json),
// sent with k6. The order of the requests, the values they carry and the checks of each
// answer are decided by lib/book.js, shared with the Node driver of the stack tests
// (tools/stack/journeys.ts); this module sends each request (lib/http.js) and reads its
// answer, HTML with k6/html. The scenarios run one journey (journey.js, api.js) or a mix
// of them (load, spike, soak).
import { sleep } from 'k6';
import { parseHTML } from 'k6/html';
import { Counter } from 'k6/metrics';
import { captureAll, holds, plan, planActions, prepare } from './book.js';
import { SERVICES, THINK_TIME } from './config.js';
import { expectThat, jsonBody, redirectTarget, send } from './http.js';
import { BOOK } from './steps.js';
import { newShopper } from './users.js';

/** @typedef {import('./book.js').Action} Action */
/** @typedef {import('./book.js').Outcome} Outcome */
/** @typedef {import('./book.js').Planned} Planned */
/** @typedef {import('./book.js').RequestAction} RequestAction */
/** @typedef {import('./book.js').ResponseReader} ResponseReader */
/** @typedef {import('./book.js').Vars} Vars */
/** @typedef {import('k6/http').RefinedResponse<'text'>} Response */

/**
 * Orders the journeys placed, tagged `channel` (web or api). The services count the same
 * orders in `shopscope_orders_placed_total`: the two should agree.
 */
export const ordersPlaced = new Counter('orders_placed');

/** A pause between steps, like a person reading the page (THINK_TIME, lib/config.js). */
export function think() {
  if (THINK_TIME > 0) sleep(THINK_TIME * (0.5 + Math.random()));
}

/** @type {import('./book.js').Hooks} */
const HOOKS = { newShopper, random: Math.random };

/**
 * An answer as lib/book.js reads it; the HTML is parsed once, when first needed.
 * @param {Response} res
 * @returns {ResponseReader}
 */
function readerOf(res) {
  const body = typeof res.body === 'string' ? res.body : '';
  /** @type {import('k6/html').Selection | undefined} */
  let doc;
  const html = () => {
    doc ??= parseHTML(body);
    return doc;
  };
  return {
    status: () => res.status,
    location: () => redirectTarget(res),
    json: () => jsonBody(res),
    body: () => body,
    has: (selector) => html().find(selector).size() > 0,
    attrs: (selector, attribute) =>
      html()
        .find(selector)
        .toArray()
        .flatMap((element) => element.attr(attribute) ?? []),
    text: (selector) => html().find(selector).text(),
    // The hidden `_csrf` field the frontend puts in every form; bound to the session, so it
    // is read from the page just loaded, never reused across a login.
    csrf: (action) => html().find(`form[action="${action}"] input[name="_csrf"]`).attr('value') || undefined,
  };
}

/**
 * Sends one request of a journey and checks its answer: its status is one it expects, and
 * every check of the action holds. Captures the values the next requests need.
 * @param {RequestAction} action
 * @param {Vars} vars
 * @returns {boolean}
 */
function perform(action, vars) {
  let request;
  try {
    request = prepare(BOOK, action, vars);
  } catch (err) {
    // A value an earlier step should have captured is missing: that step's check failed.
    console.warn(`${action.step}: ${err instanceof Error ? err.message : err}`);
    return expectThat(`${BOOK.steps[action.step]?.name ?? action.step} has every value it needs`, false);
  }
  const res = send(request.step, request.method, `${SERVICES[request.service]}${request.path}`, {
    json: request.json,
    form: request.form,
    body: request.body,
    headers: request.headers,
    expect: request.expect,
    tags: action.case ? { case: action.case } : {},
  });
  const reader = readerOf(res);
  captureAll(action, reader, vars);
  let worked = request.expect.includes(res.status);
  for (const check of action.checks ?? []) worked = expectThat(check.that, holds(check, reader, vars)) && worked;
  return worked;
}

/**
 * Sends the requests a plan yields, one after the other, pausing after those that say so;
 * counts the orders placed.
 * @param {Generator<Planned, Outcome, boolean>} steps
 * @param {Vars} vars
 * @returns {{ ok: boolean, orderId: number | undefined, vars: Vars }}
 */
function drive(steps, vars) {
  /** @type {number | undefined} */
  let orderId;
  let next = steps.next();
  while (!next.done) {
    const { action, channel } = next.value;
    const worked = perform(action, vars);
    if (worked && action.placesOrder) {
      ordersPlaced.add(1, { channel: channel ?? 'web' });
      orderId = Number(vars.orderId);
    }
    if (action.think && (worked || action.continue)) think();
    next = steps.next(worked);
  }
  return { ok: next.value === 'ok', orderId, vars };
}

/**
 * Runs a journey of the book (`vars`: values it starts with, e.g. the admin's key). `ok`
 * when every request worked; the values it captured are in `vars`.
 * @param {string} name
 * @param {Vars} [vars]
 */
export function runJourney(name, vars = {}) {
  return drive(plan(BOOK, name, vars, HOOKS), vars);
}

/**
 * Runs some of a journey's actions (bad-input.js sends one per iteration) with `vars`.
 * @param {string} name
 * @param {Action[]} actions
 * @param {Vars} vars
 */
export function runActions(name, actions, vars) {
  return drive(planActions(BOOK, actions, vars, HOOKS, BOOK.journeys[name]?.channel), vars);
}

/**
 * The actions of a journey of the book.
 * @param {string} name
 */
export function journeyActions(name) {
  const journey = BOOK.journeys[name];
  if (!journey) throw new Error(`no journey "${name}" in k6/lib/journeys.json`);
  return journey.actions;
}

/** A visitor who looks without buying: the catalogue, maybe a search, a few product pages. */
export function browse() {
  runJourney('browse');
}

/**
 * A shopper's whole visit through the web shop's pages: register, log in, browse, open
 * products and add them to the cart, check out, see the thank-you page and the order in the
 * history, sign out. Returns the order id, or undefined when a step failed.
 */
export function buyOnTheWeb() {
  const { ok, orderId } = runJourney('web-purchase');
  return ok ? orderId : undefined;
}

/**
 * The same visit through the JSON APIs: create the account, log in, read the catalogue,
 * fill the cart, check out, read the order back, log out. Returns the order id, or undefined.
 */
export function buyThroughTheApi() {
  const { ok, orderId } = runJourney('api-purchase');
  return ok ? orderId : undefined;
}

/**
 * One iteration of realistic traffic: most visitors browse, some buy on the web shop, a
 * few use the API. `weights` gives the share of each journey.
 */
export function mixedTraffic(weights = { browse: 0.65, web: 0.25, api: 0.1 }) {
  const roll = Math.random();
  if (roll < weights.browse) browse();
  else if (roll < weights.browse + weights.web) buyOnTheWeb();
  else buyThroughTheApi();
}
