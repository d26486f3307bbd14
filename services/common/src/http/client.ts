import { DependencyError } from '../errors';

export interface CallOptions {
  body?: unknown;
  /** Sent as `Authorization: Bearer <apiKey>`; never logged. */
  apiKey?: string;
  timeoutMs?: number;
}

/** A 2xx–4xx answer, its body not yet trusted: read it with expectAnswer (http/answers.ts). */
export interface ServiceResponse {
  /** The client's name for the service that answered (outage messages and logs). */
  service: string;
  status: number;
  body: unknown;
}

/**
 * JSON client for another ShopScope service. Uses Node's fetch (undici), whose
 * instrumentation creates the client span and propagates W3C trace context.
 *
 * Contract: 2xx–4xx answers are returned for the caller to interpret (a 404 or 409 from
 * a dependency is business, not an outage) through http/answers.ts, against the schemas of
 * @shopscope/contracts. Timeouts, refused connections and 5xx answers throw
 * DependencyError, which the error handler turns into a 503 with the reason; a 503 that
 * names what is unavailable behind the service (`details.dependency`) keeps that name as
 * the error's `underlying`.
 */
export class ServiceClient {
  constructor(
    readonly name: string,
    readonly baseUrl: string,
    readonly timeoutMs = 3000,
  ) {}

  get(path: string, options: CallOptions = {}): Promise<ServiceResponse> {
    return this.request('GET', path, options);
  }

  post(path: string, options: CallOptions = {}): Promise<ServiceResponse> {
    return this.request('POST', path, options);
  }

  delete(path: string, options: CallOptions = {}): Promise<ServiceResponse> {
    return this.request('DELETE', path, options);
  }

  async request(method: string, path: string, options: CallOptions = {}): Promise<ServiceResponse> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new DependencyError(this.name, describeFetchError(err, timeoutMs));
    }
    let text: string;
    try {
      text = await response.text();
    } catch (err) {
      // The answer stopped halfway (timeout, reset): an outage, not an empty answer that
      // would read as "not found" or "out of stock".
      throw new DependencyError(this.name, `answer cut off: ${describeFetchError(err, timeoutMs)}`);
    }
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      // Not JSON (a proxy's HTML page, a truncated body): no schema accepts it.
      body = undefined;
    }
    if (response.status >= 500) {
      // The upstream's own message only when it is one of ours (JSON), never a proxy's page.
      const upstream = typeof body === 'object' && body && 'message' in body ? String(body.message).slice(0, 200) : '';
      throw new DependencyError(
        this.name,
        `answered ${response.status}${upstream ? ` (${upstream})` : ''}`,
        response.status === 503 ? underlyingDependency(body) : undefined,
      );
    }
    return { service: this.name, status: response.status, body };
  }
}

/** A service name such as `product-service` or `database`: nothing else is kept from an answer. */
const DEPENDENCY_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * The dependency a 503 says is unavailable (`details.dependency`, as every ShopScope
 * service's error handler writes it), when it is a plain name.
 */
function underlyingDependency(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('details' in body)) return undefined;
  const details = body.details;
  if (typeof details !== 'object' || details === null || !('dependency' in details)) return undefined;
  const name = details.dependency;
  return typeof name === 'string' && DEPENDENCY_NAME.test(name) ? name : undefined;
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (cause?.code === 'ENOTFOUND' || cause?.code === 'EAI_AGAIN') return 'host not found';
  if (cause?.code) return cause.code;
  return err instanceof Error ? err.message : 'request failed';
}
