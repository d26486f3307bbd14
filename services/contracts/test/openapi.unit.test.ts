/**
 * docs/openapi.json is generated from the contract schemas (npm run openapi): this fails
 * when a schema changed and the committed document was not regenerated, and checks the
 * document says what the schemas say.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Cart, ErrorBody, errorReasons, openApiText } from '../dist/index.js';

const committed = readFileSync(new URL('../../../docs/openapi.json', import.meta.url), 'utf8');

describe('docs/openapi.json', () => {
  test('is what the contracts generate (run `npm run openapi` after changing a schema)', () => {
    assert.equal(committed, openApiText());
  });

  test('lists every error reason, and the nullable id of a cart that holds nothing yet', () => {
    const doc = JSON.parse(committed);
    const reasons = doc.components.schemas.ErrorBody.properties.details.properties.reason.enum;
    assert.deepEqual([...reasons].sort(), [...errorReasons].sort());
    const cart = doc.components.schemas.CartAnswer.properties.result;
    assert.equal(cart.properties.id.nullable, true);
  });
});

describe('the contract schemas', () => {
  test('an error body keeps the reasons it knows and reads an unknown one as undefined', () => {
    assert.equal(ErrorBody.parse({ message: 'x', details: { reason: 'empty_cart' } }).details?.reason, 'empty_cart');
    const future = ErrorBody.parse({ message: 'x', details: { reason: 'a_reason_from_the_future', max: 3 } });
    assert.equal(future.details?.reason, undefined);
    assert.equal((future.details as Record<string, unknown>).max, 3, 'the other details are kept');
  });

  test('a cart with a negative total or a line of quantity 0 is refused', () => {
    const line = { product_id: 1, name: 'A', unit_price_cents: 100, quantity: 1, line_total_cents: 100 };
    const cart = { id: 1, status: 'open', items: [line], item_count: 1, total_cents: 100, currency: 'EUR' };
    assert.ok(Cart.safeParse(cart).success);
    assert.ok(!Cart.safeParse({ ...cart, total_cents: -1 }).success);
    assert.ok(!Cart.safeParse({ ...cart, items: [{ ...line, quantity: 0 }] }).success);
  });
});
