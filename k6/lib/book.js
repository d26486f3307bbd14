// Running the journey book (journeys.json), apart from sending requests: filling templates,
// drawing random values, the order of the actions (blocks, repeats, includes, when to stop),
// reading captures and judging checks. Plain JavaScript with no k6 import, so that the same
// code decides what the k6 scripts (lib/journeys.js) and the Node driver
// (tools/stack/journeys.ts) send and check; each of them only sends the requests and reads
// the answers (k6/html there, regular expressions in Node). Types: lib/book.d.ts.

/** @typedef {import('./book.js').Action} Action */
/** @typedef {import('./book.js').Capture} Capture */
/** @typedef {import('./book.js').Check} Check */
/** @typedef {import('./book.js').Condition} Condition */
/** @typedef {import('./book.js').Draw} Draw */
/** @typedef {import('./book.js').Hooks} Hooks */
/** @typedef {import('./book.js').JourneyBook} JourneyBook */
/** @typedef {import('./book.js').Outcome} Outcome */
/** @typedef {import('./book.js').Planned} Planned */
/** @typedef {import('./book.js').PreparedRequest} PreparedRequest */
/** @typedef {import('./book.js').RequestAction} RequestAction */
/** @typedef {import('./book.js').ResponseReader} ResponseReader */
/** @typedef {import('./book.js').ServiceName} ServiceName */
/** @typedef {import('./book.js').Method} Method */
/** @typedef {import('./book.js').Step} Step */
/** @typedef {import('./book.js').Vars} Vars */

/** @type {readonly ServiceName[]} */
export const SERVICE_NAMES = ['frontend', 'user-service', 'product-service', 'order-service'];

const STEP_NAME = /^(?:(frontend|user-service|product-service|order-service) )?(GET|POST|PUT|DELETE|PATCH) (\/\S*)$/;

/**
 * `order-service GET /api/orders/:id` → its service, method and route; `GET /healthz` (a
 * route of every service) has no service. Undefined when the name has another shape.
 * @param {string} name
 * @returns {{ service: ServiceName | undefined, method: Method, route: string } | undefined}
 */
export function parseStepName(name) {
  const match = STEP_NAME.exec(name);
  if (!match) return undefined;
  return {
    service: /** @type {ServiceName | undefined} */ (match[1]),
    method: /** @type {Method} */ (match[2]),
    route: /** @type {string} */ (match[3]),
  };
}

/**
 * The value at a dotted path (`shopper.username`, `results.0.id`), or undefined.
 * @param {unknown} root
 * @param {string} path
 * @returns {unknown}
 */
export function lookup(root, path) {
  let value = root;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = /** @type {Record<string, unknown>} */ (value)[key];
  }
  return value;
}

const NAME = '([A-Za-z_$][\\w$]*(?:\\.[\\w$]+)*)';
const PLACEHOLDER = new RegExp(`\\{${NAME}\\}`, 'g');
const WHOLE = new RegExp(`^\\{${NAME}\\}$`);

/**
 * @param {Vars} vars
 * @param {string} path
 */
function known(vars, path) {
  const value = lookup(vars, path);
  if (value === undefined || value === null) throw new Error(`no value for {${path}}`);
  return value;
}

/**
 * Fills the `{name}` placeholders of a template; a template that is only `{name}` gives the
 * value itself (a number stays a number). `encode` URL-encodes each value (paths). A value
 * that is not known throws: a request is never sent with a hole in it.
 * @param {string} template
 * @param {Vars} vars
 * @param {boolean} [encode]
 * @returns {unknown}
 */
export function fill(template, vars, encode = false) {
  const whole = WHOLE.exec(template);
  if (whole) {
    const value = known(vars, /** @type {string} */ (whole[1]));
    return encode ? encodeURIComponent(String(value)) : value;
  }
  return template.replace(PLACEHOLDER, (_, path) => {
    const text = String(known(vars, path));
    return encode ? encodeURIComponent(text) : text;
  });
}

/**
 * A JSON template filled in: every string is a template, `{ "$repeat": "x", "times": n }`
 * is the string repeated n times.
 * @param {unknown} value
 * @param {Vars} vars
 * @returns {unknown}
 */
export function fillValue(value, vars) {
  if (typeof value === 'string') return fill(value, vars);
  if (Array.isArray(value)) return value.map((item) => fillValue(item, vars));
  if (value !== null && typeof value === 'object') {
    const object = /** @type {Record<string, unknown>} */ (value);
    if ('$repeat' in object) return String(object.$repeat).repeat(Number(object.times));
    return Object.fromEntries(Object.entries(object).map(([key, item]) => [key, fillValue(item, vars)]));
  }
  return value;
}

/**
 * A request action with its templates filled in, ready to send to its service.
 * @param {JourneyBook} book
 * @param {RequestAction} action
 * @param {Vars} vars
 * @returns {PreparedRequest}
 */
export function prepare(book, action, vars) {
  const step = book.steps[action.step];
  if (!step) throw new Error(`no step "${action.step}" in the journey book`);
  const service = parseStepName(step.name)?.service ?? action.service;
  if (!service) throw new Error(`${step.name}: no service (a step of every service needs "service")`);
  /** @type {Record<string, string>} */
  const headers = {};
  if (action.auth !== undefined) headers.Authorization = `Bearer ${String(fill(action.auth, vars))}`;
  /** @type {PreparedRequest} */
  const request = {
    step,
    service,
    method: action.method,
    path: String(fill(action.path, vars, true)),
    headers,
    expect: action.expect ?? [200],
  };
  if (action.json !== undefined) {
    request.json = fillValue(action.json, vars);
  } else if (action.form !== undefined) {
    request.form = Object.fromEntries(
      Object.entries(action.form).map(([key, value]) => [key, String(fill(value, vars))]),
    );
  } else if (action.body !== undefined) {
    request.body = action.body;
    if (action.contentType !== undefined) headers['Content-Type'] = action.contentType;
  }
  return request;
}

/**
 * @param {Capture} spec
 * @param {ResponseReader} reader
 * @param {Vars} vars
 * @returns {unknown}
 */
function captured(spec, reader, vars) {
  /** @type {unknown} */
  let value;
  if (spec.csrf !== undefined) {
    value = reader.csrf(String(fill(spec.csrf, vars, true)));
  } else if (spec.location !== undefined) {
    const target = reader.location();
    value = spec.location === true ? target : new RegExp(spec.location).exec(target ?? '')?.[1];
  } else if (spec.json !== undefined) {
    value = lookup(reader.json(), spec.json);
  } else if (spec.attrs !== undefined) {
    value = reader.attrs(spec.attrs, spec.attr ?? '');
  } else if (spec.text !== undefined) {
    value = reader.text(spec.text);
  }
  if (spec.number && value !== undefined && value !== '') value = Number(value);
  return value === '' ? undefined : value;
}

/**
 * Sets the values an action captures from its answer. A capture that finds nothing sets
 * undefined: a value from an earlier page is never taken for this one's.
 * @param {RequestAction} action
 * @param {ResponseReader} reader
 * @param {Vars} vars
 */
export function captureAll(action, reader, vars) {
  for (const [name, spec] of Object.entries(action.capture ?? {})) {
    try {
      vars[name] = captured(spec, reader, vars);
    } catch {
      vars[name] = undefined;
    }
  }
}

/**
 * @param {Condition} condition
 * @param {ResponseReader} reader
 * @param {Vars} vars
 * @returns {unknown}
 */
function subject(condition, reader, vars) {
  if (condition.var !== undefined) return lookup(vars, condition.var);
  if (condition.location !== undefined) return reader.location();
  if (condition.json !== undefined) return lookup(reader.json(), condition.json);
  if (condition.element !== undefined) return reader.has(String(fill(condition.element, vars)));
  if (condition.body !== undefined) return reader.body();
  throw new Error(`a condition without a subject: ${JSON.stringify(condition)}`);
}

/**
 * @param {unknown} value
 * @returns {number | undefined}
 */
function lengthOf(value) {
  return Array.isArray(value) || typeof value === 'string' ? value.length : undefined;
}

/**
 * @param {Condition} condition
 * @param {ResponseReader} reader
 * @param {Vars} vars
 */
function satisfied(condition, reader, vars) {
  const value = subject(condition, reader, vars);
  // A redirect target is compared with the path it should be: its values URL-encoded.
  const encode = condition.location !== undefined;
  /** @param {unknown} template */
  const expected = (template) =>
    typeof template === 'string' ? fill(template, vars, encode) : fillValue(template, vars);
  const tests = [];
  if (condition.equals !== undefined) tests.push(value === expected(condition.equals));
  if (condition.startsWith !== undefined)
    tests.push(typeof value === 'string' && value.startsWith(String(expected(condition.startsWith))));
  if (condition.contains !== undefined)
    tests.push(typeof value === 'string' && value.includes(String(expected(condition.contains))));
  if (condition.absent) tests.push(value === undefined);
  if (condition.minLength !== undefined) tests.push((lengthOf(value) ?? -1) >= condition.minLength);
  if (condition.length !== undefined) tests.push(lengthOf(value) === condition.length);
  if (condition.integer) tests.push(Number.isInteger(value));
  if (condition.min !== undefined) tests.push(typeof value === 'number' && value >= condition.min);
  if (condition.some !== undefined) {
    const wanted = Object.entries(/** @type {Record<string, unknown>} */ (fillValue(condition.some, vars)));
    tests.push(
      Array.isArray(value) &&
        value.some(
          (item) =>
            item !== null &&
            typeof item === 'object' &&
            wanted.every(([key, want]) => /** @type {Record<string, unknown>} */ (item)[key] === want),
        ),
    );
  }
  return tests.length > 0 ? tests.every(Boolean) : Boolean(value);
}

/**
 * Whether a check holds of an answer (every condition of `all`, or the check's own).
 * @param {Check} check
 * @param {ResponseReader} reader
 * @param {Vars} vars
 * @returns {boolean}
 */
export function holds(check, reader, vars) {
  return (check.all ?? [check]).every((condition) => {
    try {
      return satisfied(condition, reader, vars);
    } catch {
      return false;
    }
  });
}

/**
 * @param {[number, number]} range
 * @param {() => number} random
 */
function between([min, max], random) {
  return min + Math.floor(random() * (max - min + 1));
}

/**
 * @param {string} name
 * @param {Vars} vars
 * @param {JourneyBook} book
 * @returns {unknown[]}
 */
function listNamed(name, vars, book) {
  const list = lookup(vars, name) ?? book.lists[name];
  return Array.isArray(list) ? list : [];
}

/**
 * @param {Draw} spec
 * @param {Vars} vars
 * @param {JourneyBook} book
 * @param {() => number} random
 * @returns {unknown}
 */
function draw(spec, vars, book, random) {
  /** @param {unknown[]} list */
  const pick = (list) => (list.length > 0 ? list[Math.floor(random() * list.length)] : undefined);
  if ('pick' in spec) return pick(listNamed(spec.pick, vars, book));
  if ('between' in spec) return between(spec.between, random);
  if ('pickDistinct' in spec) {
    const list = listNamed(spec.pickDistinct, vars, book);
    const picks = [];
    for (let n = between(spec.count, random); n > 0; n--) picks.push(pick(list));
    return [...new Set(picks.filter((item) => item !== undefined))];
  }
  throw new Error(`unknown value to draw: ${JSON.stringify(spec)}`);
}

/**
 * The requests of a journey, in order, as a generator: it yields each request to send and
 * is resumed with whether that request worked (its status expected, its checks held). A
 * failed request stops the journey unless it says `continue`; so does a failed block or
 * include. `set` draws values; blocks repeat, happen by chance or run once per element.
 * Returns 'ok', 'failed' (a failure the journey went on after) or 'stopped'.
 * @param {JourneyBook} book
 * @param {string} name
 * @param {Vars} vars
 * @param {Hooks} hooks
 * @returns {Generator<Planned, Outcome, boolean>}
 */
export function* plan(book, name, vars, hooks) {
  const journey = book.journeys[name];
  if (!journey) throw new Error(`no journey "${name}" in the journey book`);
  for (const [key, value] of Object.entries(journey.vars ?? {})) {
    if (vars[key] === undefined) vars[key] = value;
  }
  if (journey.shopper !== undefined) vars.shopper = hooks.newShopper(journey.shopper);
  return yield* planActions(book, journey.actions, vars, hooks, journey.channel);
}

/**
 * `plan` for a list of actions (e.g. one of a journey's, as bad-input.js sends them).
 * @param {JourneyBook} book
 * @param {Action[]} actions
 * @param {Vars} vars
 * @param {Hooks} hooks
 * @param {string} [channel]
 * @returns {Generator<Planned, Outcome, boolean>}
 */
export function* planActions(book, actions, vars, hooks, channel) {
  let failed = false;
  for (const action of actions) {
    const outcome = yield* planAction(book, action, vars, hooks, channel);
    if (outcome === 'ok') continue;
    if (outcome === 'stopped' && !('continue' in action && action.continue)) return 'stopped';
    failed = true;
  }
  return failed ? 'failed' : 'ok';
}

/**
 * @param {JourneyBook} book
 * @param {Action} action
 * @param {Vars} vars
 * @param {Hooks} hooks
 * @param {string | undefined} channel
 * @returns {Generator<Planned, Outcome, boolean>}
 */
function* planAction(book, action, vars, hooks, channel) {
  if ('set' in action) {
    for (const [key, spec] of Object.entries(action.set)) vars[key] = draw(spec, vars, book, hooks.random);
    return 'ok';
  }
  if ('include' in action) return yield* plan(book, action.include, vars, hooks);
  if ('do' in action) {
    if (action.chance !== undefined && hooks.random() >= action.chance) return 'ok';
    /** @type {unknown[]} */
    let rounds = [undefined];
    if (action.each !== undefined) {
      const list = lookup(vars, action.each);
      if (!Array.isArray(list)) return 'stopped';
      rounds = list;
    } else if (action.repeat !== undefined) {
      rounds = Array.from({ length: between(action.repeat, hooks.random) });
    }
    let failed = false;
    for (const item of rounds) {
      if (action.each !== undefined) vars[action.as ?? 'item'] = item;
      const outcome = yield* planActions(book, action.do, vars, hooks, channel);
      if (outcome === 'stopped') return 'stopped';
      if (outcome === 'failed') failed = true;
    }
    return failed ? 'failed' : 'ok';
  }
  const worked = yield { action, channel };
  return worked ? 'ok' : 'stopped';
}

/**
 * The request actions of a list, blocks included (not the journeys it includes).
 * @param {Action[]} actions
 * @returns {RequestAction[]}
 */
export function requestActions(actions) {
  return actions.flatMap((action) => ('do' in action ? requestActions(action.do) : 'step' in action ? [action] : []));
}

/**
 * The journeys a list of actions includes (directly, blocks included).
 * @param {Action[]} actions
 * @returns {string[]}
 */
export function includedJourneys(actions) {
  return actions.flatMap((action) =>
    'do' in action ? includedJourneys(action.do) : 'include' in action ? [action.include] : [],
  );
}

/**
 * The steps a journey sends, included journeys too, each once, in the order of their first
 * request: the scenarios turn their p95 budgets into thresholds.
 * @param {JourneyBook} book
 * @param {string} name
 * @returns {Step[]}
 */
export function stepsOf(book, name) {
  const journey = book.journeys[name];
  if (!journey) throw new Error(`no journey "${name}" in the journey book`);
  /** @type {Set<Step>} */
  const steps = new Set();
  /** @param {Action[]} actions */
  const walk = (actions) => {
    for (const action of actions) {
      if ('do' in action) walk(action.do);
      else if ('include' in action) for (const step of stepsOf(book, action.include)) steps.add(step);
      else if ('step' in action) {
        const step = book.steps[action.step];
        if (!step) throw new Error(`${name}: no step "${action.step}" in the journey book`);
        steps.add(step);
      }
    }
  };
  walk(journey.actions);
  return [...steps];
}
