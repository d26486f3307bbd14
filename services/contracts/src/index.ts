/**
 * ShopScope's API contracts: the shape of every answer and error, in one place. The
 * producing service types its answers with these (`satisfies UserAnswer`), every consumer
 * reads answers through them (`expectAnswer` in @shopscope/common), the application tests
 * check real answers against them, and docs/openapi.json is generated from them
 * (scripts/openapi.ts). docs/api.md keeps the prose.
 */
export * from './errors';
export * from './orders';
export * from './products';
export * from './users';
export { endpoints, openApiDocument, openApiText } from './openapi';
