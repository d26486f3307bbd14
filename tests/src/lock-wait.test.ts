/**
 * A row lock held elsewhere costs a service seconds, not minutes: every connection of the
 * services' pool waits at most LOCK_WAIT_TIMEOUT_SECONDS for a row lock (InnoDB's default
 * is 50 s), and `transactionWithRetry` then gives up with a lock conflict the error handler
 * answers as a 503. Against a throwaway MariaDB, with the built @shopscope/common.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MariaDb } from './harness/mariadb.ts';
import { REPO_ROOT } from './harness/services.ts';

type Common = typeof import('../../services/common/dist/index.js');
const common = createRequire(import.meta.url)(path.join(REPO_ROOT, 'services/common/dist/index.js')) as Common;

describe('row lock waits (services/common/src/db.ts)', () => {
  let db: MariaDb;
  let url = '';
  const logger = common.createLogger('lock-wait-test', 'silent');

  before(async () => {
    db = await MariaDb.start();
    url = await db.createDatabase('lock_wait_test');
  });
  after(async () => {
    await db?.destroy();
  });

  it('every pooled connection waits at most LOCK_WAIT_TIMEOUT_SECONDS, then the transaction fails as a lock conflict', {
    timeout: 60_000,
  }, async () => {
    const sequelize = common.createDatabase({ url, logger, poolMax: 2 });
    const holder = common.createDatabase({ url, logger, poolMax: 1 });
    try {
      const [[setting]] = (await sequelize.query('SELECT @@SESSION.innodb_lock_wait_timeout AS seconds')) as [
        { seconds: number }[],
        unknown,
      ];
      assert.equal(Number(setting?.seconds), common.LOCK_WAIT_TIMEOUT_SECONDS);

      await sequelize.query('CREATE TABLE stock (id INT PRIMARY KEY, units INT NOT NULL) ENGINE=InnoDB');
      await sequelize.query('INSERT INTO stock VALUES (1, 10)');
      // Another connection holds the row, as a long transaction or a learner's session would.
      const held = await holder.transaction();
      await holder.query('SELECT units FROM stock WHERE id = 1 FOR UPDATE', { transaction: held });

      const started = Date.now();
      const attempts = 2;
      const err = await common
        .transactionWithRetry(
          sequelize,
          (transaction) => sequelize.query('UPDATE stock SET units = units - 1 WHERE id = 1', { transaction }),
          { attempts },
        )
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      const waitedMs = Date.now() - started;
      await held.rollback();

      assert.ok(err, 'the update went through a held row lock');
      assert.equal(common.isLockConflict(err), true, String(err));
      const limitMs = attempts * common.LOCK_WAIT_TIMEOUT_SECONDS * 1000;
      assert.ok(waitedMs >= limitMs - 200, `gave up after ${waitedMs} ms, before ${attempts} lock waits`);
      assert.ok(waitedMs < limitMs + 3_000, `waited ${waitedMs} ms, far beyond ${attempts} lock waits`);
      // Released, the row is free again at once.
      await sequelize.query('UPDATE stock SET units = units - 1 WHERE id = 1');
    } finally {
      await sequelize.close();
      await holder.close();
    }
  });
});
