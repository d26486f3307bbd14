/**
 * An OTLP/gRPC receiver for tests: the services export to it exactly as they would to the
 * Collector (same protocol, same port semantics), and tests assert on what arrived.
 * It keeps the raw request bytes too, so a secret scan covers everything on the wire.
 * `startHttp` adds an OTLP/HTTP endpoint taking JSON (what the shop's browser script
 * sends), with the CORS answers the collector gives a page of another origin.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { waitFor } from './ports.ts';

const PROTO_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'otlp-proto');

export type AttributeValue = string | number | boolean | AttributeValue[] | { [k: string]: AttributeValue } | null;
export type Attributes = Record<string, AttributeValue>;

export interface ReceivedSpan {
  service: string;
  resource: Attributes;
  scope: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Attributes;
  statusCode: number;
  startNs: bigint;
  endNs: bigint;
  /** Span links: the trace and span ids they point to. */
  links: { traceId: string; spanId: string }[];
}

export interface ReceivedDataPoint {
  attributes: Attributes;
  value?: number;
  count?: number;
  sum?: number;
  exemplars: number;
}

export interface ReceivedMetric {
  service: string;
  resource: Attributes;
  scope: string;
  name: string;
  unit: string;
  type: 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';
  points: ReceivedDataPoint[];
}

export interface ReceivedLog {
  service: string;
  body: AttributeValue;
  severityText: string;
  traceId: string;
  spanId: string;
  attributes: Attributes;
}

export const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;

// The export requests as @grpc/proto-loader decodes them with the options of `start`: field
// names as in the .proto (keepCase), 64-bit integers as strings, bytes as Buffers, absent
// messages null and absent repeated fields [] (defaults), and for a oneof a property named
// after it that holds the name of the field set (oneofs). Only what this file reads.

/** AnyValue: `value` names the one field set. */
type PbAnyValue =
  | { value: 'string_value'; string_value: string }
  | { value: 'bool_value'; bool_value: boolean }
  | { value: 'int_value'; int_value: string }
  | { value: 'double_value'; double_value: number }
  | { value: 'array_value'; array_value: { values: PbAnyValue[] } | null }
  | { value: 'kvlist_value'; kvlist_value: { values: PbKeyValue[] } | null }
  | { value: 'bytes_value'; bytes_value: Buffer }
  | { value?: undefined };

interface PbKeyValue {
  key: string;
  value: PbAnyValue | null;
}

interface PbResource {
  attributes: PbKeyValue[];
}

interface PbScope {
  name: string;
}

interface PbSpan {
  trace_id: Buffer;
  span_id: Buffer;
  parent_span_id: Buffer;
  name: string;
  kind: number;
  start_time_unix_nano: string;
  end_time_unix_nano: string;
  attributes: PbKeyValue[];
  links?: { trace_id: Buffer; span_id: Buffer }[];
  status: { code: number } | null;
}

interface PbTraceRequest {
  resource_spans: { resource: PbResource | null; scope_spans: { scope: PbScope | null; spans: PbSpan[] }[] }[];
}

/** A data point of any metric type; `value` names the field set of a gauge's or sum's point. */
interface PbDataPoint {
  attributes: PbKeyValue[];
  value?: 'as_double' | 'as_int';
  as_double?: number;
  as_int?: string;
  count?: string;
  sum?: number;
  exemplars?: unknown[];
}

/** A metric: `data` names its type, which is also the property that holds its points. */
type PbMetric = { name: string; unit: string; data: ReceivedMetric['type'] } & {
  [type in ReceivedMetric['type']]?: { data_points: PbDataPoint[] } | null;
};

interface PbMetricsRequest {
  resource_metrics: { resource: PbResource | null; scope_metrics: { scope: PbScope | null; metrics: PbMetric[] }[] }[];
}

interface PbLogRecord {
  body: PbAnyValue | null;
  severity_text: string;
  trace_id: Buffer;
  span_id: Buffer;
  attributes: PbKeyValue[];
}

interface PbLogsRequest {
  resource_logs: { resource: PbResource | null; scope_logs: { scope: PbScope | null; log_records: PbLogRecord[] }[] }[];
}

function anyValue(v: PbAnyValue | null | undefined): AttributeValue {
  if (!v?.value) return null;
  switch (v.value) {
    case 'string_value':
      return v.string_value;
    case 'bool_value':
      return v.bool_value;
    case 'int_value':
      return Number(v.int_value);
    case 'double_value':
      return v.double_value;
    case 'array_value':
      return (v.array_value?.values ?? []).map(anyValue);
    case 'kvlist_value':
      return attributes(v.kvlist_value?.values);
    case 'bytes_value':
      return Buffer.from(v.bytes_value).toString('hex');
    default:
      return null;
  }
}

function attributes(kvs: PbKeyValue[] | undefined): Attributes {
  const out: Attributes = {};
  for (const kv of kvs ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

const hex = (b: Buffer | undefined) => (b?.length ? Buffer.from(b).toString('hex') : '');

// OTLP/JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): lowerCamelCase
// field names, trace and span ids as hex, 64-bit integers as strings or numbers. Turned into
// the shapes proto-loader gives the gRPC path, so one decoder serves both.

interface JsonAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: JsonAnyValue[] };
  kvlistValue?: { values?: JsonKeyValue[] };
  bytesValue?: string;
}
interface JsonKeyValue {
  key: string;
  value?: JsonAnyValue;
}

function fromJsonValue(v: JsonAnyValue | undefined): PbAnyValue | null {
  if (!v) return null;
  if (v.stringValue !== undefined) return { value: 'string_value', string_value: v.stringValue };
  if (v.boolValue !== undefined) return { value: 'bool_value', bool_value: v.boolValue };
  if (v.intValue !== undefined) return { value: 'int_value', int_value: String(v.intValue) };
  if (v.doubleValue !== undefined) return { value: 'double_value', double_value: Number(v.doubleValue) };
  if (v.arrayValue)
    return {
      value: 'array_value',
      array_value: { values: (v.arrayValue.values ?? []).map((x) => fromJsonValue(x) ?? {}) },
    };
  if (v.kvlistValue)
    return { value: 'kvlist_value', kvlist_value: { values: fromJsonAttributes(v.kvlistValue.values) } };
  if (v.bytesValue !== undefined) return { value: 'bytes_value', bytes_value: Buffer.from(v.bytesValue, 'base64') };
  return {};
}

const fromJsonAttributes = (kvs: JsonKeyValue[] | undefined): PbKeyValue[] =>
  (kvs ?? []).map((kv) => ({ key: kv.key, value: fromJsonValue(kv.value) }));

const fromJsonHex = (id: string | undefined) => Buffer.from(id ?? '', 'hex');

interface JsonSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string | number;
  endTimeUnixNano?: string | number;
  attributes?: JsonKeyValue[];
  links?: { traceId?: string; spanId?: string }[];
  status?: { code?: number };
}

interface JsonTraceRequest {
  resourceSpans?: {
    resource?: { attributes?: JsonKeyValue[] };
    scopeSpans?: { scope?: { name?: string }; spans?: JsonSpan[] }[];
  }[];
}

interface JsonDataPoint {
  attributes?: JsonKeyValue[];
  asDouble?: number;
  asInt?: string | number;
  count?: string | number;
  sum?: number;
  exemplars?: unknown[];
}

interface JsonMetricsRequest {
  resourceMetrics?: {
    resource?: { attributes?: JsonKeyValue[] };
    scopeMetrics?: {
      scope?: { name?: string };
      metrics?: ({ name?: string; unit?: string } & {
        [type in ReceivedMetric['type']]?: { dataPoints?: JsonDataPoint[] };
      })[];
    }[];
  }[];
}

const METRIC_TYPES: ReceivedMetric['type'][] = ['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary'];
const JSON_METRIC_TYPES: Record<ReceivedMetric['type'], string> = {
  gauge: 'gauge',
  sum: 'sum',
  histogram: 'histogram',
  exponential_histogram: 'exponentialHistogram',
  summary: 'summary',
};

function fromJsonTraces(request: JsonTraceRequest): PbTraceRequest {
  return {
    resource_spans: (request.resourceSpans ?? []).map((rs) => ({
      resource: { attributes: fromJsonAttributes(rs.resource?.attributes) },
      scope_spans: (rs.scopeSpans ?? []).map((ss) => ({
        scope: { name: ss.scope?.name ?? '' },
        spans: (ss.spans ?? []).map((s) => ({
          trace_id: fromJsonHex(s.traceId),
          span_id: fromJsonHex(s.spanId),
          parent_span_id: fromJsonHex(s.parentSpanId),
          name: s.name ?? '',
          kind: s.kind ?? 0,
          start_time_unix_nano: String(s.startTimeUnixNano ?? 0),
          end_time_unix_nano: String(s.endTimeUnixNano ?? 0),
          attributes: fromJsonAttributes(s.attributes),
          links: (s.links ?? []).map((l) => ({ trace_id: fromJsonHex(l.traceId), span_id: fromJsonHex(l.spanId) })),
          status: { code: s.status?.code ?? 0 },
        })),
      })),
    })),
  };
}

function fromJsonMetrics(request: JsonMetricsRequest): PbMetricsRequest {
  return {
    resource_metrics: (request.resourceMetrics ?? []).map((rm) => ({
      resource: { attributes: fromJsonAttributes(rm.resource?.attributes) },
      scope_metrics: (rm.scopeMetrics ?? []).map((sm) => ({
        scope: { name: sm.scope?.name ?? '' },
        metrics: (sm.metrics ?? []).flatMap((m) => {
          const type = METRIC_TYPES.find((t) => (m as Record<string, unknown>)[JSON_METRIC_TYPES[t]] !== undefined);
          if (!type) return [];
          const points = (
            (m as Record<string, { dataPoints?: JsonDataPoint[] }>)[JSON_METRIC_TYPES[type]]?.dataPoints ?? []
          ).map(
            (p): PbDataPoint => ({
              attributes: fromJsonAttributes(p.attributes),
              ...(p.asDouble !== undefined ? { value: 'as_double', as_double: Number(p.asDouble) } : {}),
              ...(p.asInt !== undefined ? { value: 'as_int', as_int: String(p.asInt) } : {}),
              ...(p.count !== undefined ? { count: String(p.count) } : {}),
              ...(p.sum !== undefined ? { sum: Number(p.sum) } : {}),
              exemplars: p.exemplars ?? [],
            }),
          );
          return [{ name: m.name ?? '', unit: m.unit ?? '', data: type, [type]: { data_points: points } } as PbMetric];
        }),
      })),
    })),
  };
}

/** One OTLP/HTTP request as the receiver saw it (for CORS and header assertions). */
export interface HttpExport {
  path: string;
  origin: string | undefined;
  contentType: string | undefined;
  /** Whether it carried a cookie or an Authorization header (the browser must send neither). */
  credentials: boolean;
  body: Buffer;
}

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly metrics: ReceivedMetric[] = [];
  readonly logs: ReceivedLog[] = [];
  /** Every request body as received (protobuf bytes), for secret scans. */
  readonly rawRequests: Buffer[] = [];
  /** When set, every export is answered with this gRPC status (to simulate a failing collector). */
  failWith: grpc.status | undefined;
  private server = new grpc.Server();
  port = 0;
  /** The OTLP/HTTP endpoint (`startHttp`), e.g. for BROWSER_OTLP_URL. */
  private httpServer: Server | undefined;
  httpPort = 0;
  /** Every OTLP/HTTP export request, in order (CORS preflights not included). */
  readonly httpExports: HttpExport[] = [];

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<this> {
    const definition = protoLoader.loadSync(['trace.proto', 'metrics.proto', 'logs.proto'], {
      includeDirs: [PROTO_DIR],
      keepCase: true,
      longs: String,
      defaults: true,
      oneofs: true,
    });
    // A tree of namespaces, looked up by the proto's package names.
    const loaded = grpc.loadPackageDefinition(definition) as any;
    const services: Array<[grpc.ServiceDefinition, (req: unknown) => void]> = [
      [loaded.opentelemetry.proto.collector.trace.v1.TraceService.service, (r) => this.onTraces(r as PbTraceRequest)],
      [
        loaded.opentelemetry.proto.collector.metrics.v1.MetricsService.service,
        (r) => this.onMetrics(r as PbMetricsRequest),
      ],
      [loaded.opentelemetry.proto.collector.logs.v1.LogsService.service, (r) => this.onLogs(r as PbLogsRequest)],
    ];
    for (const [service, onRequest] of services) {
      // Keep the raw bytes: wrap the deserializer of the one method, Export.
      const exportMethod = { ...service.Export };
      const deserialize = exportMethod.requestDeserialize;
      exportMethod.requestDeserialize = (buffer: Buffer) => {
        this.rawRequests.push(Buffer.from(buffer));
        return deserialize(buffer);
      };
      this.server.addService(
        { Export: exportMethod },
        {
          Export: (call: grpc.ServerUnaryCall<unknown, object>, callback: grpc.sendUnaryData<object>) => {
            if (this.failWith !== undefined) {
              callback({ code: this.failWith, details: 'receiver told to fail' });
              return;
            }
            onRequest(call.request);
            callback(null, {});
          },
        },
      );
    }
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    return this;
  }

  get httpEndpoint(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  /**
   * Also accepts OTLP/HTTP with JSON bodies on `/v1/traces` and `/v1/metrics`, answering
   * CORS as the collector does for an allowed origin (any origin here): the preflight
   * with the allowed method and header, the export with Access-Control-Allow-Origin.
   */
  async startHttp(port = 0): Promise<this> {
    const server = createServer((req, res) => void this.onHttp(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.httpServer = server;
    this.httpPort = (server.address() as { port: number }).port;
    return this;
  }

  private async onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = req.headers.origin;
    const cors: Record<string, string> = origin ? { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' } : {};
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...cors,
        'Access-Control-Allow-Methods': 'POST',
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? '',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const path = new URL(req.url ?? '/', 'http://receiver.invalid').pathname;
    const contentType = req.headers['content-type'];
    this.httpExports.push({
      path,
      origin,
      contentType,
      credentials: req.headers.cookie !== undefined || req.headers.authorization !== undefined,
      body,
    });
    this.rawRequests.push(body);
    const answer = (status: number, message: object) => {
      res.writeHead(status, { ...cors, 'Content-Type': 'application/json' });
      res.end(JSON.stringify(message));
    };
    if (req.method !== 'POST' || (path !== '/v1/traces' && path !== '/v1/metrics')) return answer(404, {});
    if (!contentType?.startsWith('application/json')) return answer(415, { message: 'JSON only here' });
    if (this.failWith !== undefined) return answer(503, { message: 'receiver told to fail' });
    let request: unknown;
    try {
      request = JSON.parse(body.toString('utf8'));
    } catch {
      return answer(400, { message: 'not JSON' });
    }
    if (path === '/v1/traces') this.onTraces(fromJsonTraces(request as JsonTraceRequest));
    else this.onMetrics(fromJsonMetrics(request as JsonMetricsRequest));
    answer(200, {});
  }

  async stop(): Promise<void> {
    const http = this.httpServer;
    if (http) {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    }
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
  }

  private onTraces(request: PbTraceRequest): void {
    for (const rs of request.resource_spans ?? []) {
      const resource = attributes(rs.resource?.attributes);
      for (const ss of rs.scope_spans ?? []) {
        for (const s of ss.spans ?? []) {
          this.spans.push({
            service: String(resource['service.name'] ?? ''),
            resource,
            scope: ss.scope?.name ?? '',
            traceId: hex(s.trace_id),
            spanId: hex(s.span_id),
            parentSpanId: hex(s.parent_span_id),
            name: s.name,
            kind: s.kind,
            attributes: attributes(s.attributes),
            statusCode: s.status?.code ?? 0,
            startNs: BigInt(s.start_time_unix_nano ?? 0),
            endNs: BigInt(s.end_time_unix_nano ?? 0),
            links: (s.links ?? []).map((l) => ({ traceId: hex(l.trace_id), spanId: hex(l.span_id) })),
          });
        }
      }
    }
  }

  private onMetrics(request: PbMetricsRequest): void {
    for (const rm of request.resource_metrics ?? []) {
      const resource = attributes(rm.resource?.attributes);
      for (const sm of rm.scope_metrics ?? []) {
        for (const m of sm.metrics ?? []) {
          const type = m.data as ReceivedMetric['type'];
          const points = (m[type]?.data_points ?? []).map((p) => ({
            attributes: attributes(p.attributes),
            value: p.value === 'as_double' ? p.as_double : p.value === 'as_int' ? Number(p.as_int) : undefined,
            count: p.count !== undefined ? Number(p.count) : undefined,
            sum: p.sum !== undefined ? Number(p.sum) : undefined,
            exemplars: (p.exemplars ?? []).length,
          }));
          this.metrics.push({
            service: String(resource['service.name'] ?? ''),
            resource,
            scope: sm.scope?.name ?? '',
            name: m.name,
            unit: m.unit,
            type,
            points,
          });
        }
      }
    }
  }

  private onLogs(request: PbLogsRequest): void {
    for (const rl of request.resource_logs ?? []) {
      const resource = attributes(rl.resource?.attributes);
      for (const sl of rl.scope_logs ?? []) {
        for (const l of sl.log_records ?? []) {
          this.logs.push({
            service: String(resource['service.name'] ?? ''),
            body: anyValue(l.body),
            severityText: l.severity_text,
            traceId: hex(l.trace_id),
            spanId: hex(l.span_id),
            attributes: attributes(l.attributes),
          });
        }
      }
    }
  }

  /** Metric names received from a service. */
  metricNames(service: string): Set<string> {
    return new Set(this.metrics.filter((m) => m.service === service).map((m) => m.name));
  }

  spansOfTrace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  /** Waits until `predicate` holds over what has been received. */
  waitUntil(what: string, predicate: () => boolean, timeoutMs = 20_000): Promise<true> {
    return waitFor(what, async () => (predicate() ? true : undefined), { timeoutMs, intervalMs: 100 });
  }

  /** True when `secret` appears anywhere in what was received (raw bytes or decoded). */
  contains(secret: string): boolean {
    const needle = Buffer.from(secret);
    return this.rawRequests.some((b) => b.includes(needle));
  }
}
