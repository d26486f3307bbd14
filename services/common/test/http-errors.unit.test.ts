/**
 * How the services' error handler (services/common/src/http/app.ts, toHttpError) turns what
 * a route throws into an HTTP answer: the cases no request can provoke on demand.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHttpError } from '../dist/http/app.js';

/** What Sequelize throws when MariaDB answers with `code` (a DatabaseError wrapping it). */
const sequelizeError = (code: string) => Object.assign(new Error(code), { parent: { code }, original: { code } });

describe('toHttpError', () => {
  it('a deadlock or lock wait timeout that outlived its retries is a 503, not a 500', () => {
    for (const code of ['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']) {
      const answer = toHttpError(sequelizeError(code));
      assert.equal(answer.status, 503, code);
      assert.match(answer.message, /busy, try again/);
    }
  });

  it('any other database error stays an internal error, and says nothing of it', () => {
    const answer = toHttpError(sequelizeError('ER_PARSE_ERROR'));
    assert.equal(answer.status, 500);
    assert.equal(answer.message, 'Internal error');
  });
});
