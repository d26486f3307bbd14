import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import type { NextFunction, Request, Response } from 'express';

/**
 * Gives the HTTP server span and the request duration metric their route
 * (`GET /api/products/:slug`, `http.route`), the one thing the Express instrumentation was
 * loaded for: its layer wrapping cost about 1 ms of CPU per checkout journey
 * (bench/profile.ts) to produce a value Express already holds once it has routed the
 * request (req.baseUrl + req.route.path).
 *
 * The http instrumentation reads the route from its RPC metadata when the response closes;
 * this listener is put ahead of its own, so the route is there when it reads. Mounted first,
 * before any route. With telemetry off there is no metadata and nothing is done.
 */
export function recordRoute(req: Request, res: Response, next: NextFunction): void {
  const rpc = getRPCMetadata(context.active());
  if (rpc?.type === RPCType.HTTP) {
    res.prependOnceListener('close', () => {
      const path: unknown = req.route?.path;
      if (typeof path === 'string') rpc.route = `${req.baseUrl}${path}`;
    });
  }
  next();
}
