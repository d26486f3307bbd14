/**
 * The Sequelize span name of a transaction's own statements (services/telemetry/src/
 * instrumentations.ts): named after the statement, where the instrumentation used the
 * transaction's type (`Sequelize DEFERRED` for START TRANSACTION and COMMIT alike).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { transactionStatementName } from '../dist/instrumentations.js';

describe('transactionStatementName', () => {
  it("names START TRANSACTION, COMMIT and ROLLBACK run with a transaction's type", () => {
    assert.equal(transactionStatementName('START TRANSACTION;', 'DEFERRED'), 'START TRANSACTION');
    assert.equal(transactionStatementName('COMMIT;', 'DEFERRED'), 'COMMIT');
    assert.equal(transactionStatementName(' rollback;', 'IMMEDIATE'), 'ROLLBACK');
    assert.equal(transactionStatementName({ query: 'SAVEPOINT `t1`;', values: [] }, 'EXCLUSIVE'), 'SAVEPOINT');
  });

  it('leaves every other query to the instrumentation', () => {
    assert.equal(transactionStatementName('SELECT 1', 'SELECT'), undefined);
    assert.equal(transactionStatementName('COMMIT;', undefined), undefined);
    assert.equal(transactionStatementName('SELECT * FROM carts FOR UPDATE', 'DEFERRED'), undefined);
    assert.equal(transactionStatementName(undefined, 'DEFERRED'), undefined);
  });
});
