import { z } from 'zod';
import { ErrorBody } from './errors';
import { CartAnswer, CartCountAnswer, OrderAnswer, OrderList } from './orders';
import { ProductAnswer, ProductPage, ReservationAnswer } from './products';
import { ExistsAnswer, LoginAnswer, MessageAnswer, UserAnswer, UserPage } from './users';

/**
 * Every endpoint of the three APIs and the contract schema of each answer, from which
 * docs/openapi.json is generated (`npm run openapi`; a unit test fails when the committed
 * file differs). Request bodies and their field rules are checked by each route's own zod
 * schema and described in docs/api.md, with the prose.
 */
type Auth = 'none' | 'api_key' | 'admin_key' | 'internal';

interface Endpoint {
  service: 'user-service' | 'product-service' | 'order-service';
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  auth: Auth;
  /** Success answers by status; every endpoint may also answer the error statuses listed. */
  ok: Record<number, z.ZodType>;
  errors: number[];
}

const components = {
  UserAnswer,
  UserPage,
  LoginAnswer,
  ExistsAnswer,
  MessageAnswer,
  ProductAnswer,
  ProductPage,
  ReservationAnswer,
  CartAnswer,
  CartCountAnswer,
  OrderAnswer,
  OrderList,
  ErrorBody,
} as const;

export const endpoints: Endpoint[] = [
  {
    service: 'user-service',
    method: 'post',
    path: '/api/user/create',
    summary: 'Register an account',
    auth: 'none',
    ok: { 201: UserAnswer },
    errors: [400, 409],
  },
  {
    service: 'user-service',
    method: 'post',
    path: '/api/user/login',
    summary: 'Log in: a fresh API key',
    auth: 'none',
    ok: { 200: LoginAnswer },
    errors: [400, 401, 429, 503],
  },
  {
    service: 'user-service',
    method: 'post',
    path: '/api/user/logout',
    summary: 'Revoke the API key',
    auth: 'api_key',
    ok: { 200: MessageAnswer },
    errors: [401, 429],
  },
  {
    service: 'user-service',
    method: 'get',
    path: '/api/user/{username}/exists',
    summary: 'Whether a username is taken',
    auth: 'none',
    ok: { 200: ExistsAnswer },
    errors: [404],
  },
  {
    service: 'user-service',
    method: 'get',
    path: '/api/user',
    summary: 'The caller',
    auth: 'api_key',
    ok: { 200: UserAnswer },
    errors: [401, 429],
  },
  {
    service: 'user-service',
    method: 'get',
    path: '/api/users',
    summary: 'All accounts, a page at a time',
    auth: 'admin_key',
    ok: { 200: UserPage },
    errors: [400, 401, 403, 429],
  },
  {
    service: 'product-service',
    method: 'get',
    path: '/api/products',
    summary: 'List, search, or look up by ids',
    auth: 'none',
    ok: { 200: ProductPage },
    errors: [400],
  },
  {
    service: 'product-service',
    method: 'get',
    path: '/api/product/{slugOrId}',
    summary: 'One product',
    auth: 'none',
    ok: { 200: ProductAnswer },
    errors: [404],
  },
  {
    service: 'product-service',
    method: 'post',
    path: '/api/product/create',
    summary: 'Add a product',
    auth: 'admin_key',
    ok: { 201: ProductAnswer },
    errors: [400, 401, 403, 409, 503],
  },
  {
    service: 'product-service',
    method: 'post',
    path: '/api/products/reserve',
    summary: 'Hold stock for an order reference, all or nothing',
    auth: 'internal',
    ok: { 200: ReservationAnswer },
    errors: [400, 401, 404, 409, 415, 503],
  },
  {
    service: 'product-service',
    method: 'post',
    path: '/api/products/confirm',
    summary: 'Keep a hold for good',
    auth: 'internal',
    ok: { 200: ReservationAnswer },
    errors: [400, 401, 404, 409, 415, 503],
  },
  {
    service: 'product-service',
    method: 'post',
    path: '/api/products/release',
    summary: "Give a hold's stock back",
    auth: 'internal',
    ok: { 200: ReservationAnswer },
    errors: [400, 401, 404, 415, 503],
  },
  {
    service: 'order-service',
    method: 'post',
    path: '/api/order/add-item',
    summary: 'Add units of a product to the cart',
    auth: 'api_key',
    ok: { 200: CartAnswer },
    errors: [400, 401, 404, 409, 503],
  },
  {
    service: 'order-service',
    method: 'get',
    path: '/api/order',
    summary: 'The cart',
    auth: 'api_key',
    ok: { 200: CartAnswer },
    errors: [401, 503],
  },
  {
    service: 'order-service',
    method: 'get',
    path: '/api/order/count',
    summary: 'How many units the cart holds, without pricing it',
    auth: 'api_key',
    ok: { 200: CartCountAnswer },
    errors: [401, 503],
  },
  {
    service: 'order-service',
    method: 'put',
    path: '/api/order/item/{product_id}',
    summary: "Set a line's quantity (0 removes it)",
    auth: 'api_key',
    ok: { 200: CartAnswer },
    errors: [400, 401, 404, 409, 503],
  },
  {
    service: 'order-service',
    method: 'delete',
    path: '/api/order/remove-item/{product_id}',
    summary: 'Remove a product from the cart',
    auth: 'api_key',
    ok: { 200: CartAnswer },
    errors: [401, 404, 503],
  },
  {
    service: 'order-service',
    method: 'post',
    path: '/api/order/checkout',
    summary: 'Place the order',
    auth: 'api_key',
    ok: { 201: OrderAnswer },
    errors: [401, 409, 503],
  },
  {
    service: 'order-service',
    method: 'get',
    path: '/api/orders',
    summary: 'Placed orders, newest first',
    auth: 'api_key',
    ok: { 200: OrderList },
    errors: [400, 401, 503],
  },
  {
    service: 'order-service',
    method: 'get',
    path: '/api/orders/{id}',
    summary: 'One placed order',
    auth: 'api_key',
    ok: { 200: OrderAnswer },
    errors: [401, 404, 503],
  },
];

const SECURITY: Record<Auth, string | undefined> = {
  none: undefined,
  api_key: 'apiKey',
  admin_key: 'apiKey',
  internal: 'internalToken',
};

const ERROR_MEANING: Record<number, string> = {
  400: 'Invalid request: details.fields names each refused field',
  401: 'No valid credential',
  403: 'Not allowed (administrators only)',
  404: 'Not found',
  409: 'Conflict: details.reason says which',
  415: 'JSON bodies only',
  429: 'Too many failed attempts: Retry-After',
  503: 'A dependency is unavailable (or the service is saturated): try again',
};

/** The OpenAPI 3.0 document of the three APIs. */
export function openApiDocument(): Record<string, unknown> {
  const schemas = Object.fromEntries(
    Object.entries(components).map(([name, schema]) => [
      name,
      z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'output' }),
    ]),
  );
  const nameOf = new Map<z.ZodType, string>(Object.entries(components).map(([name, schema]) => [schema, name]));
  const ref = (schema: z.ZodType) => ({ $ref: `#/components/schemas/${nameOf.get(schema)}` });
  const paths: Record<string, Record<string, unknown>> = {};
  for (const e of endpoints) {
    const responses: Record<string, unknown> = {};
    for (const [status, schema] of Object.entries(e.ok)) {
      responses[status] = { description: 'Success', content: { 'application/json': { schema: ref(schema) } } };
    }
    for (const status of e.errors) {
      responses[String(status)] = {
        description: ERROR_MEANING[status] ?? 'Error',
        content: { 'application/json': { schema: ref(ErrorBody) } },
      };
    }
    const security = SECURITY[e.auth];
    const parameters = [...e.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
      name,
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    paths[e.path] ??= {};
    paths[e.path]![e.method] = {
      tags: [e.service],
      summary: e.summary,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(security ? { security: [{ [security]: [] }] } : {}),
      ...(e.auth === 'admin_key' ? { description: 'The API key of an administrator.' } : {}),
      responses,
    };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'ShopScope APIs',
      version: '0.1.0',
      description:
        'Generated from services/contracts (npm run openapi); the prose, field rules and ports are in docs/api.md.',
    },
    tags: [
      { name: 'user-service', description: 'Accounts and API keys (port 8081)' },
      { name: 'product-service', description: 'The catalogue and stock holds (port 8082)' },
      { name: 'order-service', description: 'Carts, checkout and orders (port 8083)' },
    ],
    paths,
    components: {
      schemas,
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'The API key a login answered' },
        internalToken: { type: 'http', scheme: 'bearer', description: 'The service credential INTERNAL_TOKEN' },
      },
    },
  };
}

/** The document as committed in docs/openapi.json: two-space JSON and a final newline. */
export function openApiText(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}
