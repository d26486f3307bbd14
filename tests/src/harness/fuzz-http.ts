/**
 * Raw HTTP for the fuzz test: node:http rather than fetch, so a request goes out exactly as
 * generated (paths with `../` and `%2e` are not normalised, bodies are arbitrary bytes,
 * any content type and header), plus the checks every answer must pass.
 */
import http from 'node:http';
import { fc } from './fuzz-inputs.ts';

/** One generated request: where it goes, what it carries, and whether it must be refused. */
export interface FuzzCase {
  target: 'user' | 'product' | 'order' | 'frontend';
  method: string;
  /** Path and query, sent verbatim (only characters node:http accepts in a request line). */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /**
   * The generator made only invalid input (a body no parser or schema accepts, a missing or
   * bad credential, a bad CSRF token…): the answer must be a refusal (4xx, or the web shop's
   * redirect to the login page).
   */
  mustReject: boolean;
  /** Which generator made it (shown in counterexamples). */
  kind: string;
}

export interface FuzzAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

/** Shown by fast-check in counterexamples: the request, with long bodies cut. */
export function describeCase(c: FuzzCase): string {
  const body = c.body === undefined ? '' : c.body.toString('utf8');
  const shownBody = body.length > 240 ? `${body.slice(0, 240)}…(${c.body?.length} bytes)` : body;
  const shownPath = c.path.length > 240 ? `${c.path.slice(0, 240)}…(${c.path.length} chars)` : c.path;
  const headers = Object.entries(c.headers)
    .filter(([name]) => name !== 'cookie')
    .map(([name, value]) => `${name}: ${value.length > 80 ? `${value.slice(0, 80)}…` : value}`)
    .join('; ');
  return `[${c.kind}${c.mustReject ? ', must be refused' : ''}] ${c.method} ${c.target}${shownPath} {${headers}} ${JSON.stringify(shownBody)}`;
}

/** Makes fast-check print `describeCase` for a case (it calls this symbol when present). */
export function printable(c: FuzzCase): FuzzCase {
  return Object.assign(c, { [fc.toStringMethod]: () => describeCase(c) });
}

/**
 * The path as node:http can send it: characters outside U+0021–U+00FF (spaces, controls,
 * non-Latin-1) percent-encoded; `../`, `%` sequences and Latin-1 bytes stay verbatim.
 */
export function wirePath(path: string): string {
  return path.replace(/[^\u0021-\u00ff]/gu, (char) => {
    const code = char.codePointAt(0) ?? 0;
    return code >= 0xd800 && code <= 0xdfff ? '%ED%A0%80' : encodeURIComponent(char);
  });
}

export function send(baseUrl: string, c: FuzzCase, timeoutMs = 30_000): Promise<FuzzAnswer> {
  const url = new URL(baseUrl);
  const headers: Record<string, string> = { ...c.headers };
  if (c.body !== undefined) headers['content-length'] = String(c.body.length);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: c.method,
        path: wirePath(c.path),
        headers,
        agent,
        timeout: timeoutMs,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      // A server may answer (e.g. 413) and close before the whole body is written: that is an answer.
      if (!answered) reject(new Error(`${c.method} ${c.target}: ${err.code ?? ''} ${err.message}`));
    });
    req.end(c.body);
  });
}

/** What must never appear in an answer: stack traces, file paths, SQL, database and runtime error names. */
export const LEAKS: Array<[string, RegExp]> = [
  ['stack frame', /\bat [^\n]{0,200}\((?:\/|node:|file:)[^)\n]*:\d+:\d+\)/],
  ['stack frame', /\n\s+at\s+[^\n]+:\d+:\d+/],
  ['stack frame', /at Object\.<anonymous>/],
  ['file path', /\/work\/|\/home\/|\/usr\/src\/|\/app\/dist\//],
  ['node_modules', /node_modules/],
  ['source file', /\b[\w-]+\.(?:ts|js|mjs|cjs):\d+(?::\d+)?/],
  ['SQL', /\bSELECT\b[\s\S]{0,300}\bFROM\b/i],
  ['SQL', /\bINSERT\s+INTO\b|\bUPDATE\s+`?\w+`?\s+SET\b|\bDELETE\s+FROM\b/i],
  ['database error code', /\bER_[A-Z_]{3,}\b|\bSQLSTATE\b|\bECONNREFUSED\b/],
  ['ORM', /sequelize/i],
  ['database', /\b(?:mariadb|mysql)\b/i],
  ['runtime error', /\b(?:TypeError|ReferenceError|RangeError|SyntaxError)\b|Unexpected token|Cannot read propert/],
];

/** The leak patterns an answer matches (those the request itself carries are not counted: echoes are fine). */
export function leaksIn(answer: FuzzAnswer, c: FuzzCase): string[] {
  const sent = `${c.path}\n${Object.values(c.headers).join('\n')}\n${c.body?.toString('utf8') ?? ''}`;
  const sentDecoded = safeDecode(sent);
  const received = `${answer.body}\n${Object.entries(answer.headers)
    .map(([name, value]) => `${name}: ${String(value)}`)
    .join('\n')}`;
  const found: string[] = [];
  for (const [name, pattern] of LEAKS) {
    if (pattern.test(sent) || pattern.test(sentDecoded)) continue;
    const match = pattern.exec(received);
    if (match)
      found.push(`${name}: ${JSON.stringify(received.slice(Math.max(0, match.index - 60), match.index + 120))}`);
  }
  return found;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
