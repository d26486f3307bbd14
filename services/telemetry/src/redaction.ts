import type { AttributeValue, Attributes } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { Span, SpanProcessor } from '@opentelemetry/sdk-trace';

/**
 * Second line of defence against secrets in telemetry (the first is never putting them
 * there: no header or body capture). Attribute keys that name a secret are replaced, and
 * bearer tokens or `password=` pairs inside string values are masked. The Collector's
 * redaction processor is the third line.
 */
const SECRET_KEY = /(pass(word|wd)?|secret|token|api[_.-]?key|authorization|cookie|session|credential)/i;
const SECRET_VALUES: Array<[RegExp, string]> = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [REDACTED]'],
  [/\b(password|passwd|api_key|apikey|token|secret)=[^&\s"']+/gi, '$1=[REDACTED]'],
];
/**
 * One quick test that every string matching a pattern above also matches. Almost no value
 * does (SQL texts, routes, addresses), and one test costs half of the two replacements it
 * saves: the redaction ran on every string attribute of every span and log record.
 */
const MAY_HOLD_SECRET = /bearer|basic|passw|api_?key|token|secret/i;
export const REDACTED = '[REDACTED]';

export function redactValue(key: string, value: AttributeValue | undefined): AttributeValue | undefined {
  if (value === undefined || value === null) return value;
  if (SECRET_KEY.test(key)) return REDACTED;
  if (typeof value === 'string') return redactString(value);
  return value;
}

export function redactString(value: string): string {
  if (!MAY_HOLD_SECRET.test(value)) return value;
  let out = value;
  for (const [pattern, replacement] of SECRET_VALUES) out = out.replace(pattern, replacement);
  return out;
}

function redactAttributes(attributes: Attributes, set: (key: string, value: AttributeValue) => void): void {
  for (const [key, value] of Object.entries(attributes)) {
    const redacted = redactValue(key, value);
    if (redacted !== value && redacted !== undefined) set(key, redacted);
  }
}

/** Redacts span attributes while the span is still writable (SDK 2+ `onEnding`). */
export class RedactingSpanProcessor implements SpanProcessor {
  onStart(): void {}
  onEnding(span: Span): void {
    redactAttributes(span.attributes, (k, v) => span.setAttribute(k, v));
  }
  onEnd(): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Redacts log record attributes and body before they are queued for export. */
export class RedactingLogRecordProcessor implements LogRecordProcessor {
  onEmit(record: ReadWriteLogRecord): void {
    redactAttributes(record.attributes, (k, v) => record.setAttribute(k, v));
    if (typeof record.body === 'string') {
      const body = redactString(record.body);
      if (body !== record.body) record.setBody(body);
    }
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
