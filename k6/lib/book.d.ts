// The types of the journey book (journeys.json) and of lib/book.js, the part of running it
// that has nothing to do with how requests are sent. lib/journeys.js (k6) and
// tools/stack/journeys.ts (Node) both import book.js; this file is what TypeScript sees of it.

/** The four services, by their telemetry name (the first word of a step's name). */
export type ServiceName = 'frontend' | 'user-service' | 'product-service' | 'order-service';
export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

/** A kind of request: its `name` tag (`<service> <METHOD> <route>`, or `<METHOD> <route>` for every service's routes) and p95 budget (ms). */
export interface Step {
  name: string;
  p95: number;
}

/** Values set or captured while a journey runs, read by `{name}` or `{name.field.0}` in templates. */
export type Vars = Record<string, unknown>;

/** Where a captured value comes from; exactly one source. */
export interface Capture {
  /** The `_csrf` field of the form posting to this action (a path template). */
  csrf?: string;
  /** The redirect target (Location); a string is a regular expression whose group 1 is kept. */
  location?: true | string;
  /** A dotted path into the JSON body (`result.api_key`, `results.0.id`). */
  json?: string;
  /** The values of attribute `attr` of every element matching the selector `attrs`. */
  attrs?: string;
  attr?: string;
  /** The text of the first element matching the selector. */
  text?: string;
  /** Converts the value to a number. */
  number?: boolean;
}

/** One subject and what must hold of it; with no predicate, the subject must be truthy. */
export interface Condition {
  var?: string;
  location?: true;
  json?: string;
  /** Whether an element matches this selector (a template). */
  element?: string;
  body?: true;
  equals?: unknown;
  startsWith?: string;
  contains?: string;
  absent?: true;
  minLength?: number;
  length?: number;
  integer?: true;
  min?: number;
  /** An array with an element whose fields have these values. */
  some?: Record<string, unknown>;
}

/** A named check (the name is k6's check name): its condition, or all of `all`. */
export interface Check extends Condition {
  that: string;
  all?: Condition[];
}

/** One HTTP request. */
export interface RequestAction {
  /** A key of the book's steps: the name tag, the service, the p95 budget. */
  step: string;
  /** Which service, for the steps every service answers (`GET /healthz`). */
  service?: ServiceName;
  method: Method;
  /** Path and query, a template whose values are URL-encoded. */
  path: string;
  /** A form, posted url-encoded (values are templates). */
  form?: Record<string, string>;
  /** A JSON body (a template: strings are filled in, `{ "$repeat": "x", "times": n }` repeats a string). */
  json?: unknown;
  /** A raw body sent as it is, with its `contentType`. */
  body?: string;
  contentType?: string;
  /** `Authorization: Bearer <auth>` (a template). */
  auth?: string;
  /** The statuses that mean the step worked (default [200]). */
  expect?: number[];
  capture?: Record<string, Capture>;
  checks?: Check[];
  /** A failure is recorded but the journey goes on. */
  continue?: boolean;
  /** A visitor pauses after it (k6's THINK_TIME; the Node driver does not pause). */
  think?: boolean;
  /** bad-input: the kind of mistake (the `case` tag). */
  case?: string;
  /** The request places an order (`orderId` captured): counted in `orders_placed`. */
  placesOrder?: boolean;
  $comment?: string;
}

/** A random value: an element of a list, a whole number in a range, or 1–n distinct draws from a list. */
export type Draw = { pick: string } | { between: [number, number] } | { pickDistinct: string; count: [number, number] };

export interface SetAction {
  set: Record<string, Draw>;
}

/** Actions run in turn: `repeat` [min, max] times, with probability `chance`, or once per element of `each` (as `as`). */
export interface BlockAction {
  do: Action[];
  repeat?: [number, number];
  chance?: number;
  each?: string;
  as?: string;
  continue?: boolean;
}

/** Another journey's actions, with the same values. */
export interface IncludeAction {
  include: string;
  continue?: boolean;
}

export type Action = RequestAction | SetAction | BlockAction | IncludeAction;

export interface Journey {
  description: string;
  /** A new shopper (username prefix) in `shopper` at the start. */
  shopper?: string;
  /** The `channel` tag of the orders it places. */
  channel?: string;
  /** Default values, under the caller's. */
  vars?: Vars;
  actions: Action[];
}

export interface JourneyBook {
  steps: Record<string, Step>;
  lists: Record<string, unknown[]>;
  journeys: Record<string, Journey>;
}

/** What a runtime reads of one response, for captures and checks. */
export interface ResponseReader {
  status(): number;
  location(): string | undefined;
  /** The parsed JSON body, or undefined. */
  json(): unknown;
  body(): string;
  has(selector: string): boolean;
  attrs(selector: string, attribute: string): string[];
  text(selector: string): string | undefined;
  csrf(action: string): string | undefined;
}

/** A request action with its templates filled in. */
export interface PreparedRequest {
  step: Step;
  service: ServiceName;
  method: Method;
  path: string;
  headers: Record<string, string>;
  /** A JSON value, a form, or a raw body (at most one). */
  json?: unknown;
  form?: Record<string, string>;
  body?: string;
  expect: number[];
}

/** A request to send, as `plan` yields it; the runtime answers with whether it worked. */
export interface Planned {
  action: RequestAction;
  /** The `channel` of the journey it belongs to. */
  channel: string | undefined;
}

/** ok: everything worked; failed: something failed but the journey went on; stopped: it stopped early. */
export type Outcome = 'ok' | 'failed' | 'stopped';

export interface Hooks {
  /** A new shopper (the object templates read as `{shopper.username}`…). */
  newShopper(prefix: string): unknown;
  /** A number in [0, 1). */
  random(): number;
}

export const SERVICE_NAMES: readonly ServiceName[];
export function lookup(root: unknown, path: string): unknown;
export function fill(template: string, vars: Vars, encode?: boolean): unknown;
export function fillValue(value: unknown, vars: Vars): unknown;
export function parseStepName(
  name: string,
): { service: ServiceName | undefined; method: Method; route: string } | undefined;
export function prepare(book: JourneyBook, action: RequestAction, vars: Vars): PreparedRequest;
export function captureAll(action: RequestAction, reader: ResponseReader, vars: Vars): void;
export function holds(check: Check, reader: ResponseReader, vars: Vars): boolean;
export function plan(book: JourneyBook, name: string, vars: Vars, hooks: Hooks): Generator<Planned, Outcome, boolean>;
export function planActions(
  book: JourneyBook,
  actions: Action[],
  vars: Vars,
  hooks: Hooks,
  channel?: string,
): Generator<Planned, Outcome, boolean>;
export function requestActions(actions: Action[]): RequestAction[];
export function includedJourneys(actions: Action[]): string[];
export function stepsOf(book: JourneyBook, name: string): Step[];
