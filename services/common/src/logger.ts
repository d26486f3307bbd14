import { redactString } from '@shopscope/telemetry';
import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stdout. When the telemetry bootstrap is loaded, the pino
 * instrumentation adds trace_id/span_id to every line written inside a request and
 * also sends each record over OTLP, so this module needs no OpenTelemetry code.
 *
 * Redaction (by path and by value pattern) is a safety net: no code path should log a
 * secret in the first place.
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      // Masks `Bearer …` and `password=…`-style text inside string fields, so a careless
      // message cannot leak a secret to stdout (the OTLP copy is scrubbed by the SDK too).
      log: (fields) => {
        for (const [key, value] of Object.entries(fields)) {
          if (typeof value === 'string') fields[key] = redactString(value);
        }
        return fields;
      },
    },
    redact: {
      paths: [
        'password',
        '*.password',
        'api_key',
        '*.api_key',
        'token',
        '*.token',
        'authorization',
        '*.authorization',
        'cookie',
        '*.cookie',
        'headers',
        '*.headers',
        // A failed query's error carries its SQL and bound values (which may be a password
        // hash or key hash); the message and code are enough to diagnose it.
        'err.sql',
        'err.parameters',
        'err.parent.sql',
        'err.parent.parameters',
        'err.original.sql',
        'err.original.parameters',
      ],
      censor: '[REDACTED]',
    },
  });
}
