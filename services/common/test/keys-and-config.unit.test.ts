/**
 * Pure parts of the shared code: what a failed attempt is counted against
 * (src/http/throttle.ts: accountKey folds case, accents and spaces as the users table
 * compares names; clientAddressKey counts IPv6 per /56), and how the environment is read
 * (src/config.ts: `env` validators, and loadConfig's answer — the parsed config, or one
 * line naming the bad variable and exit code 78).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { accountKey, clientAddressKey, env, loadConfig } from '@shopscope/common';
import type { Request } from 'express';

describe('accountKey', () => {
  test('one account whatever its case, accents or surrounding spaces', () => {
    for (const spelling of ['admin', 'Admin', ' ADMIN ', 'ädmin', 'A\u0308dmin', 'ａｄｍｉｎ']) {
      assert.equal(accountKey(spelling), 'admin', JSON.stringify(spelling));
    }
    assert.notEqual(accountKey('admin2'), accountKey('admin'));
  });

  test('no key for a missing, blank or non-text name (a malformed login is not counted)', () => {
    for (const name of [undefined, null, 42, ['admin'], '', '   ', '\u0301']) {
      assert.equal(accountKey(name), undefined, JSON.stringify(name));
    }
  });
});

describe('clientAddressKey', () => {
  const keyOf = (ip: string) => clientAddressKey({ ip, socket: {} } as unknown as Request);

  test('an IPv4 address is its own key, also when IPv4-mapped', () => {
    assert.equal(keyOf('203.0.113.7'), '203.0.113.7');
    assert.equal(keyOf('::ffff:203.0.113.7'), '203.0.113.7');
    assert.notEqual(keyOf('203.0.113.8'), keyOf('203.0.113.7'));
  });

  test('IPv6 addresses count per /56: one household is one key', () => {
    assert.equal(keyOf('2001:db8:1:100::1'), keyOf('2001:db8:1:1ff:ffff::2'));
    assert.notEqual(keyOf('2001:db8:1:100::1'), keyOf('2001:db8:1:200::1'));
  });
});

describe('env validators', () => {
  test('httpUrl: http(s) only, trailing slashes dropped', () => {
    assert.equal(env.httpUrl().parse('http://user-service:8081/'), 'http://user-service:8081');
    assert.equal(env.httpUrl().parse('https://x.example//'), 'https://x.example');
    for (const bad of ['ftp://x.example', 'user-service:8081', '', undefined]) {
      assert.equal(env.httpUrl().safeParse(bad).success, false, String(bad));
    }
  });

  test('databaseUrl, port, secret, logLevel, milliseconds', () => {
    assert.equal(env.databaseUrl().safeParse('mysql://u:p@db:3306/shop_users').success, true);
    for (const bad of ['postgres://u:p@db/x', 'mysql://u:p@db:3306/', 'mysql://u:p@db/x;drop']) {
      assert.equal(env.databaseUrl().safeParse(bad).success, false, bad);
    }
    assert.equal(env.port(8080).parse(undefined), 8080);
    assert.equal(env.port(8080).parse('9000'), 9000);
    for (const bad of ['0', '65536', '80.5', 'http']) assert.equal(env.port(1).safeParse(bad).success, false, bad);
    assert.equal(env.secret(16).safeParse('x'.repeat(15)).success, false);
    assert.equal(env.secret(16).safeParse('x'.repeat(16)).success, true);
    assert.equal(env.logLevel().parse(undefined), 'info');
    assert.equal(env.logLevel().safeParse('verbose').success, false);
    assert.equal(env.milliseconds(100).safeParse('600001').success, false);
  });
});

describe('loadConfig', () => {
  const shape = { PORT: env.port(8081), USER_SERVICE_URL: env.httpUrl(), ADMIN_TOKEN: env.secret(16).optional() };

  test('a good environment gives the typed, defaulted config', () => {
    assert.deepEqual(loadConfig('svc', shape, { USER_SERVICE_URL: 'http://u:1/', OTHER: 'ignored' }), {
      PORT: 8081,
      USER_SERVICE_URL: 'http://u:1',
    });
  });

  test('a bad one writes one line naming each bad variable and exits 78', (t) => {
    const exit = t.mock.method(process, 'exit', () => {
      throw new Error('exit called');
    });
    const lines: string[] = [];
    t.mock.method(process.stderr, 'write', (chunk: string) => {
      lines.push(chunk);
      return true;
    });
    assert.throws(() => loadConfig('svc', shape, { PORT: 'eighty', ADMIN_TOKEN: 'short' }), /exit called/);
    t.mock.restoreAll();
    assert.deepEqual(exit.mock.calls[0]?.arguments, [78]);
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /^svc: invalid configuration: /);
    for (const name of ['PORT', 'USER_SERVICE_URL: is required', 'ADMIN_TOKEN: must be at least 16 characters']) {
      assert.ok(lines[0]?.includes(name), `${name} in ${lines[0]}`);
    }
    assert.ok(!lines[0]?.includes('short'), 'the value of a secret is not echoed');
  });
});
