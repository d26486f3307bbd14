/**
 * Generators of hostile input for the fuzz test: values (huge and odd numbers, odd unicode,
 * very long text, deep nesting, prototype keys), JSON bodies built as raw text (so duplicate
 * keys, `1e999` and lone surrogates survive), form bodies, path segments and query strings.
 */
import fc from 'fast-check';

export { fc };

// ---------------------------------------------------------------------------------------------
// Scalars and text

/** Numbers as raw JSON text: JSON.stringify could not write 2^53+1 or 1e999 exactly. */
export const HUGE_NUMBERS = [
  '1e308',
  '-1e308',
  '1e999',
  '-1e999',
  '1.7976931348623157e308',
  '5e-324',
  '9007199254740993',
  '-9007199254740993',
  '9007199254740992',
  '2147483648',
  '2147483647',
  '4294967296',
  '123456789012345678901234567890',
  '-1',
  '-0',
  '0',
  '1.5',
  '0.0000001',
  '1e2',
];

/** Strings that look like numbers, or almost. */
export const NUMBERISH_STRINGS = [
  'NaN',
  '-NaN',
  'Infinity',
  '-Infinity',
  '1e308',
  '1e999',
  '9007199254740993',
  '-1',
  '0x1A',
  '0b11',
  '1_000',
  '12abc',
  '  7  ',
  '7\u0000',
  '',
  ' ',
  '١٢',
  '１２',
  '1,5',
  '+3',
  '007',
  '99999999999999999999',
];

export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', '__defineGetter__'];

export const TRAVERSAL = [
  '../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '%2e%2e',
  '..',
  '.',
  '%00',
  'a%00b',
  '%',
  '%zz',
  '%E0%A4%A',
  '%ED%A0%80',
  '%C0%AE%C0%AE%2F',
  '..\\..\\windows\\win.ini',
  '%5c..%5c',
  '/etc/passwd',
  'file:///etc/passwd',
  '?',
  '#',
  ';',
  '%3B',
  '%23',
  '%3F',
];

export const UNICODE = [
  '\u202Eevil\u202C',
  '\u200F\u200E\u200B',
  'مرحبا بالعالم',
  'שלום',
  '😀',
  '👩‍👩‍👧‍👦🏳️‍🌈',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDC00x',
  'x\uD83D',
  '\uFEFF',
  '\u0085\u2028\u2029',
  `e${'\u0301'.repeat(50)}`,
  'İıßﬀ',
  '\r\n\t\v\f',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' OR 1=1 --",
  '%s%n%x',
  `\${7*7}{{7*7}}<%= 7*7 %>`,
];

export const LONG = [
  'a'.repeat(101),
  'a'.repeat(256),
  'a'.repeat(1025),
  'x'.repeat(5000),
  '😀'.repeat(3000),
  'é'.repeat(20_000),
  'A'.repeat(40_000),
];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

/** Random text: any code point, lone surrogates, or plain ASCII. */
export const randomText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({
    unit: fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }), loneSurrogate),
    maxLength: 20,
  }),
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', minLength: 200, maxLength: 3000 }),
);

/** Every hostile string, fixed or random. */
export const hostileString = fc.oneof(
  { arbitrary: fc.constantFrom(...NUMBERISH_STRINGS, ...PROTO_KEYS, ...TRAVERSAL, ...UNICODE), weight: 4 },
  { arbitrary: fc.constantFrom(...LONG), weight: 1 },
  { arbitrary: randomText, weight: 3 },
);

/** n levels of arrays: `[[[…]]]`. */
export const nestedArrays = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
/** n levels of objects: `{"a":{"a":…1}}`. */
export const nestedObjects = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

const depth = fc.constantFrom(2, 100, 1000, 10_000);

/** A JSON value as raw text: hostile numbers, strings, wrong types, deep nesting, prototype objects. */
export const hostileJsonValue: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...HUGE_NUMBERS), weight: 3 },
  { arbitrary: hostileString.map((s) => JSON.stringify(s)), weight: 4 },
  {
    arbitrary: fc.constantFrom(
      'null',
      'true',
      'false',
      '[]',
      '{}',
      '[1]',
      '["1"]',
      '[null]',
      '{"$gt":""}',
      '{"__proto__":{"admin":true}}',
      '{"constructor":{"prototype":{"admin":true}}}',
      '{"toString":1,"valueOf":2}',
    ),
    weight: 2,
  },
  { arbitrary: depth.chain((n) => fc.constantFrom(nestedArrays(n), nestedObjects(n))), weight: 1 },
  { arbitrary: fc.double().map((d) => (Number.isFinite(d) ? String(d) : JSON.stringify(String(d)))), weight: 1 },
  { arbitrary: fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String), weight: 1 },
);

/** A form value (form fields are text): hostile strings and number-looking text. */
export const hostileFormValue: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: hostileString, weight: 4 },
  { arbitrary: fc.constantFrom(...HUGE_NUMBERS), weight: 2 },
  { arbitrary: fc.integer().map(String), weight: 1 },
);

// ---------------------------------------------------------------------------------------------
// Encodings

/**
 * Percent-encodes like encodeURIComponent, but a lone surrogate (which encodeURIComponent
 * refuses) becomes the bytes of an encoded surrogate, %ED%A0%80: invalid UTF-8, on purpose.
 */
export function percentEncode(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) out += '%ED%A0%80';
    else out += encodeURIComponent(char);
  }
  return out;
}

/** A path segment as sent: raw traversal/percent text is kept verbatim, anything else is encoded. */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...TRAVERSAL), weight: 4 },
  {
    arbitrary: fc.constantFrom(
      '0',
      '-1',
      '1.5',
      '1e3',
      '2147483648',
      '9007199254740993',
      '99999999999999999999',
      'NaN',
      'Infinity',
      '0x10',
      '007',
      ' 1',
      '%201',
      '1%00',
      '__proto__',
      'constructor',
      'prototype',
      'laptop-pro',
      'LAPTOP-PRO',
      'laptop--pro',
      '-laptop',
      'laptop-pro%2F..',
      'a'.repeat(100),
      'a'.repeat(101),
      '9'.repeat(1000),
      'x'.repeat(5000),
      'y'.repeat(20_000),
    ),
    weight: 4,
  },
  { arbitrary: hostileString.map(percentEncode), weight: 3 },
  // Bytes 0x80–0xff unencoded in the request line (node:http sends them as single bytes).
  {
    arbitrary: fc.string({
      unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)),
      minLength: 1,
      maxLength: 8,
    }),
    weight: 1,
  },
);

/** A query string (without `?`): hostile values for the given names, repeats, prototype keys, broken encoding. */
export function hostileQuery(names: string[]): fc.Arbitrary<string> {
  const pair = fc.tuple(
    fc.constantFrom(...names, ...PROTO_KEYS, 'constructor[prototype][x]', 'a[b]'),
    hostileFormValue,
  );
  return fc.oneof(
    {
      arbitrary: fc
        .array(pair, { minLength: 1, maxLength: 4 })
        .map((pairs) => pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&')),
      weight: 6,
    },
    {
      arbitrary: fc
        .constantFrom(...names)
        .chain((n) =>
          fc
            .tuple(hostileFormValue, hostileFormValue)
            .map(([a, b]) => `${n}=${percentEncode(a)}&${n}=${percentEncode(b)}`),
        ),
      weight: 2,
    },
    {
      arbitrary: fc.constantFrom(...names).chain((n) => fc.constantFrom(...TRAVERSAL).map((raw) => `${n}=${raw}`)),
      weight: 2,
    },
    {
      arbitrary: fc.constantFrom('&&&', '=', '==&=', '%', `${'a=1&'.repeat(300)}`, 'q', `q=${'%'.repeat(100)}`),
      weight: 1,
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Bodies

/** A body with its headers; `rejected` says whether no endpoint can accept it. */
export interface GeneratedBody {
  kind: string;
  contentType?: string;
  extraHeaders?: Record<string, string>;
  body?: Buffer;
  /**
   * 'parser': every endpoint must refuse it (body parsing fails: malformed JSON, bad charset,
   * bad encoding, too large). 'schema': an endpoint with required fields must refuse it
   * (it parses, but to no usable object). 'none': it may be valid.
   */
  rejected: 'parser' | 'schema' | 'none';
}

/** Raw JSON object text from [key, raw value] pairs (keys may repeat). */
export function jsonObject(pairs: Array<[string, string]>): string {
  return `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

export function formBody(pairs: Array<[string, string]>): string {
  return pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&');
}

const json = (text: string) => Buffer.from(text, 'utf8');

/** Content types the JSON parser does not read (the form parser is separate: see `asForm`). */
const UNREAD_TYPES = [
  'text/plain',
  'application/xml',
  'application/octet-stream',
  'multipart/form-data; boundary=xyz',
  'application/vnd.api+json',
  'text/html',
  'application/jsonx',
  'image/png',
];

/**
 * Hostile bodies for an endpoint whose valid body is `valid` (field → raw JSON value).
 * `required` lists the fields without which it must refuse.
 */
export function hostileJsonBody(valid: Record<string, string>): fc.Arbitrary<GeneratedBody> {
  const fields = Object.keys(valid);
  const validPairs = Object.entries(valid);
  const validText = jsonObject(validPairs);
  const someField = fields.length > 0 ? fc.constantFrom(...fields) : fc.constant('x');
  const withField = (field: string, raw: string): Array<[string, string]> =>
    fields.length > 0 ? validPairs.map(([k, v]) => [k, k === field ? raw : v]) : [[field, raw]];
  return fc.oneof(
    // One field replaced by a hostile value (maybe still valid: e.g. a long but allowed name).
    {
      arbitrary: fc.tuple(someField, hostileJsonValue).map(([field, raw]) => ({
        kind: `field ${field}`,
        contentType: 'application/json',
        body: json(jsonObject(withField(field, raw))),
        rejected: 'none' as const,
      })),
      weight: 10,
    },
    // Every field hostile.
    {
      arbitrary: fc.array(hostileJsonValue, { minLength: fields.length, maxLength: fields.length }).map((raws) => ({
        kind: 'all fields',
        contentType: 'application/json',
        body: json(jsonObject(fields.map((f, i) => [f, raws[i] ?? 'null']))),
        rejected: 'none' as const,
      })),
      weight: 3,
    },
    // A field left out.
    {
      arbitrary: someField.map((field) => ({
        kind: `missing ${field}`,
        contentType: 'application/json',
        body: json(jsonObject(validPairs.filter(([k]) => k !== field))),
        rejected: 'none' as const,
      })),
      weight: 2,
    },
    // Duplicate keys: the valid value and a hostile one, in either order.
    {
      arbitrary: fc.tuple(someField, hostileJsonValue, fc.boolean()).map(([field, raw, hostileLast]) => ({
        kind: `duplicate ${field}`,
        contentType: 'application/json',
        body: json(
          jsonObject([
            ...validPairs,
            ...(hostileLast ? ([[field, raw]] as Array<[string, string]>) : []),
            ...(!hostileLast ? ([[field, raw]] as Array<[string, string]>) : []),
          ]),
        ),
        rejected: 'none' as const,
      })),
      weight: 2,
    },
    // Prototype keys: the valid fields hidden behind __proto__/constructor, or added beside them.
    {
      arbitrary: fc.tuple(fc.constantFrom(...PROTO_KEYS), fc.boolean()).map(([key, beside]) => ({
        kind: `prototype ${key}${beside ? ' beside' : ''}`,
        contentType: 'application/json',
        body: json(
          beside
            ? jsonObject([...validPairs, [key, '{"is_admin":true,"admin":true,"polluted":1}']])
            : key === 'constructor'
              ? jsonObject([[key, jsonObject([['prototype', validText]])]])
              : jsonObject([[key, validText]]),
        ),
        rejected: beside ? ('none' as const) : ('schema' as const),
      })),
      weight: 2,
    },
    // Not an object at all.
    {
      arbitrary: fc
        .oneof(
          fc.constantFrom('[]', `[${validText}]`, '[null]', '{}'),
          depth.map(nestedArrays),
          depth.map((n) => `[${validText},${nestedArrays(n)}]`),
        )
        .map((text) => ({
          kind: 'not an object',
          contentType: 'application/json',
          body: json(text),
          rejected: 'schema' as const,
        })),
      weight: 2,
    },
    // Top-level scalars: the strict JSON parser refuses them.
    {
      arbitrary: fc.constantFrom('null', 'true', '42', '"text"', '1e308', '"__proto__"').map((text) => ({
        kind: 'scalar body',
        contentType: 'application/json',
        body: json(text),
        rejected: 'parser' as const,
      })),
      weight: 1,
    },
    // Malformed JSON: broken syntax, truncation of the valid body, random text.
    {
      arbitrary: fc
        .oneof(
          fc.constantFrom(
            '{',
            '}',
            '{"a":',
            '{"a":1,}',
            "{'a':1}",
            '{a:1}',
            '[1,2',
            'nul',
            '{"a":NaN}',
            '{"a":Infinity}',
            '{"a":undefined}',
            '{"a":0x10}',
            '{"a":01}',
            '{"a":"\\u12"}',
            '{"a":"\u0000"}',
            '{"a":1}{"b":2}',
            '\uFEFF{}x',
            `${'['.repeat(10_000)}`,
            '<xml/>',
          ),
          fc.integer({ min: 1, max: Math.max(1, validText.length - 1) }).map((n) => validText.slice(0, n)),
          fc.string({ unit: 'binary', minLength: 1, maxLength: 50 }).map((s) => `{${s}`),
        )
        .map((text) => ({
          kind: 'malformed JSON',
          contentType: 'application/json',
          body: json(text),
          rejected: 'parser' as const,
        })),
      weight: 3,
    },
    // Bytes that are not UTF-8, inside a string.
    {
      arbitrary: fc.uint8Array({ minLength: 1, maxLength: 16 }).map((bytes) => ({
        kind: 'raw bytes in a string',
        contentType: 'application/json',
        body: Buffer.concat([json(`{"${fields[0] ?? 'x'}":"`), Buffer.from(bytes.map((b) => b | 0x80)), json('"}')]),
        rejected: 'none' as const,
      })),
      weight: 1,
    },
    // Empty bodies.
    {
      arbitrary: fc.constantFrom<GeneratedBody>(
        { kind: 'empty JSON body', contentType: 'application/json', body: Buffer.alloc(0), rejected: 'schema' },
        { kind: 'no body, no type', rejected: 'schema' },
        { kind: 'whitespace body', contentType: 'application/json', body: json('   \n'), rejected: 'parser' },
      ),
      weight: 1,
    },
    // The valid body under a content type the JSON parser does not read.
    {
      arbitrary: fc.constantFrom(...UNREAD_TYPES).map((type) => ({
        kind: `content type ${type}`,
        contentType: type,
        body: json(validText),
        rejected: 'schema' as const,
      })),
      weight: 2,
    },
    // JSON with a charset or content encoding that cannot be decoded.
    {
      arbitrary: fc.constantFrom<GeneratedBody>(
        {
          kind: 'utf-16 charset',
          contentType: 'application/json; charset=utf-16',
          body: json(validText),
          rejected: 'parser',
        },
        {
          kind: 'unknown charset',
          contentType: 'application/json; charset=klingon',
          body: json(validText),
          rejected: 'parser',
        },
        {
          kind: 'latin1 charset',
          contentType: 'application/json; charset=iso-8859-1',
          body: json(validText),
          rejected: 'parser',
        },
        {
          kind: 'bogus gzip',
          contentType: 'application/json',
          extraHeaders: { 'content-encoding': 'gzip' },
          body: json(validText),
          rejected: 'parser',
        },
        {
          kind: 'unknown encoding',
          contentType: 'application/json',
          extraHeaders: { 'content-encoding': 'zstd-but-not-really' },
          body: json(validText),
          rejected: 'parser',
        },
      ),
      weight: 1,
    },
    // Larger than the 64 kB body limit.
    {
      arbitrary: fc.constantFrom(...fields, 'padding').map((field) => ({
        kind: 'over the size limit',
        contentType: 'application/json',
        body: json(
          jsonObject([...validPairs.filter(([k]) => k !== field), [field, JSON.stringify('z'.repeat(70_000))]]),
        ),
        rejected: 'parser' as const,
      })),
      weight: 1,
    },
    // The fields as a form (the services read forms too), with hostile values.
    {
      arbitrary: fc.tuple(someField, hostileFormValue).map(([field, value]) => ({
        kind: `form ${field}`,
        contentType: 'application/x-www-form-urlencoded',
        body: json(formBody(fields.map((f) => [f, f === field ? value : jsonToFormValue(valid[f] ?? '')]))),
        rejected: 'none' as const,
      })),
      weight: 2,
    },
    // Broken form encodings.
    {
      arbitrary: fc
        .constantFrom(
          '%',
          '%zz=1',
          'a=%E0%A4%A',
          '&&&==',
          `${'p=1&'.repeat(250)}`,
          '__proto__[x]=1',
          'a=%00',
          '=%ff%fe',
        )
        .map((text) => ({
          kind: 'broken form',
          contentType: 'application/x-www-form-urlencoded',
          body: json(text),
          rejected: 'none' as const,
        })),
      weight: 1,
    },
  );
}

function jsonToFormValue(raw: string): string {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    return raw;
  }
}

/** Hostile form bodies (application/x-www-form-urlencoded) for a web form with `valid` fields. */
export function hostileFormBody(valid: Record<string, string>): fc.Arbitrary<Array<[string, string]>> {
  const fields = Object.keys(valid);
  const validPairs = Object.entries(valid);
  const someField = fields.length > 0 ? fc.constantFrom(...fields) : fc.constant('x');
  return fc.oneof(
    {
      arbitrary: fc
        .tuple(someField, hostileFormValue)
        .map(([f, v]) => validPairs.map(([k, old]): [string, string] => [k, k === f ? v : old])),
      weight: 6,
    },
    {
      arbitrary: fc
        .array(hostileFormValue, { minLength: fields.length, maxLength: fields.length })
        .map((vs) => fields.map((f, i): [string, string] => [f, vs[i] ?? ''])),
      weight: 2,
    },
    { arbitrary: someField.map((f) => validPairs.filter(([k]) => k !== f)), weight: 1 },
    {
      arbitrary: fc
        .tuple(someField, hostileFormValue)
        .map(([f, v]): Array<[string, string]> => [...validPairs, [f, v]]),
      weight: 2,
    },
    {
      arbitrary: fc
        .tuple(
          fc.constantFrom(...PROTO_KEYS, 'constructor[prototype][is_admin]', '__proto__[is_admin]'),
          hostileFormValue,
        )
        .map(([k, v]): Array<[string, string]> => [...validPairs, [k, v]]),
      weight: 1,
    },
  );
}
