/**
 * Honeycreds: passlib-compatible hash verification and OpenCanary's matching rules. The hashes
 * below were generated with Python (hashlib.pbkdf2_hmac + passlib's ab64, crypt.crypt, bcrypt).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { memoryConf } from '../testing/harness.ts';
import { SLOW_SHA512_CRYPT } from '../testing/logins.ts';
import { stopHashWorker } from './hash-worker.ts';
import { honeycredChecker, readHoneycreds, testManyCreds } from './honeycreds.ts';
import { ab64Decode, MAX_HASHED_PASSWORD, verifyPassword } from './password-hash.ts';
import { MAX_PER_SOURCE, verifyLoad } from './verify-limit.ts';

after(() => stopHashWorker());

const PBKDF2 =
  '$pbkdf2-sha512$1000$a3lva2Etc2FsdC0xNmJ5dA$zTIIZYJAkxjh6mg/SKDaxmQRpU1zWr/grJaAjNgN78uNpPJBeKb/mJ5fANxkPzz3fjxRJm4iTKifWO3Qh8BSrA';
const PBKDF2_UNICODE =
  '$pbkdf2-sha512$1000$a3lva2Etc2FsdC0xNmJ5dA$94BJI2B4GIVUuMVNopI2AFpIi8T6vluP7.8B3/fLrNcRR2FgK3YnxUlaEuK4AF9E.erfMdP8x693qLzgiVBlHg';
const SHA512_ROUNDS =
  '$6$rounds=5000$saltsaltsalt$/YcSJBZ1GwOaYU2XCNxvWBX3MbYsX7qkf0.0L28t35vap3Pr7yS0JA8iUjaUrIKpD1vbB841OQkrlcX47Jjuy/';
const SHA512 = '$6$abcdefgh$M/eYsB4rVXAm3ZNc88J.UD9rCKAT6FB1rahiwJCHtEndQNORCub5qhjxn50qbqVVthkM.9HpEwtf0t.iV9uH0/';
const BCRYPT = '$2b$04$0fwPZ8IYUnzg92OFKCvVbuBbz1Lo3XcrEcYejG9OUaQwQk67ctGR2';

test('ab64 decodes passlib salts', () => {
  assert.equal(ab64Decode('a3lva2Etc2FsdC0xNmJ5dA')?.toString(), 'kyoka-salt-16byt');
  assert.equal(ab64Decode('not base64!'), null);
});

test('pbkdf2_sha512 (passlib format)', async () => {
  assert.equal(await verifyPassword('Sup3rS3cret!', PBKDF2), true);
  assert.equal(await verifyPassword('Sup3rS3cret?', PBKDF2), false);
  assert.equal(await verifyPassword('pässwörd', PBKDF2_UNICODE), true);
});

test('sha512_crypt with and without rounds', async () => {
  assert.equal(await verifyPassword('hunter2', SHA512_ROUNDS), true);
  assert.equal(await verifyPassword('hunter3', SHA512_ROUNDS), false);
  assert.equal(await verifyPassword('hunter2', SHA512), true);
  assert.equal(await verifyPassword('', SHA512), false);
});

test('bcrypt $2b$', async () => {
  assert.equal(await verifyPassword('letmein', BCRYPT), true);
  assert.equal(await verifyPassword('letmeout', BCRYPT), false);
});

test('plaintext and malformed hashes never throw', async () => {
  assert.equal(await verifyPassword('plain', 'plain'), true);
  assert.equal(await verifyPassword('plain', 'Plain'), false);
  for (const bad of ['$pbkdf2-sha512$x$y', '$pbkdf2-sha512$0$a$b', '$2b$99$zz', '$6$', '$pbkdf2-sha512$10$!!$!!']) {
    assert.equal(await verifyPassword('x', bad), false, bad);
  }
});

test('matching rules follow opencanary/honeycred.py', async () => {
  const creds = [{ username: 'admin', password: PBKDF2 }, { username: 'svc-backup' }, { password: 'only-pw' }];
  assert.equal(await testManyCreds(creds, 'admin', 'Sup3rS3cret!'), true);
  assert.equal(await testManyCreds(creds, 'root', 'Sup3rS3cret!'), false);
  assert.equal(await testManyCreds(creds, 'svc-backup', 'anything'), true);
  assert.equal(await testManyCreds(creds, 'anyone', 'only-pw'), true);
  assert.equal(await testManyCreds(creds, 'anyone', null), false);
});

test('checker: no field without honeycreds or without credentials, cached verdicts', async () => {
  assert.equal(honeycredChecker(memoryConf({}), 'telnet'), null);
  const conf = memoryConf({
    'telnet.honeycreds': [{ username: 'admin', password: BCRYPT }, 'junk', { username: 5 }],
  });
  assert.deepEqual(readHoneycreds(conf, 'telnet'), [{ username: 'admin', password: BCRYPT }]);
  const c = honeycredChecker(conf, 'telnet')!;
  assert.deepEqual(await c.check('admin', 'letmein'), { honeycred: true });
  assert.deepEqual(await c.check('admin', 'letmein'), { honeycred: true });
  assert.deepEqual(await c.check('admin', 'nope'), { honeycred: false });
  assert.equal(await c.check('', ''), undefined);
});

test('slow hashes run off the main thread: the event loop keeps turning during a check', async () => {
  const c = honeycredChecker(
    memoryConf({ 'ftp.honeycreds': [{ username: 'backup', password: SLOW_SHA512_CRYPT }] }),
    'ftp',
  )!;
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  try {
    const before = ticks;
    const verdict = await c.check('backup', 'Winter2024!', '192.0.2.1');
    assert.deepEqual(verdict, { honeycred: true });
    assert.ok(ticks - before >= 3, `the main thread was blocked (${ticks - before} timer ticks during the check)`);
  } finally {
    clearInterval(timer);
  }
  // the verdict is cached: no second hash
  assert.deepEqual(await c.check('backup', 'Winter2024!', '192.0.2.1'), { honeycred: true });
  // a password longer than any decoy is not hashed
  assert.equal(await verifyPassword('x'.repeat(MAX_HASHED_PASSWORD + 1), SLOW_SHA512_CRYPT), false);
});

test('pending checks are capped per source; the excess is logged unmatched and counted', async () => {
  const counted: string[] = [];
  const c = honeycredChecker(
    memoryConf({ 'ssh.honeycreds': [{ username: 'root', password: SLOW_SHA512_CRYPT }] }),
    'ssh',
    (svc, what) => counted.push(`${svc}.${what}`),
  )!;
  const spray = Array.from({ length: MAX_PER_SOURCE + 2 }, (_, i) => c.check('root', `guess-${i}`, '198.51.100.7'));
  // the same credentials again share the pending check instead of taking a slot
  const dup = c.check('root', 'guess-0', '198.51.100.7');
  // another source is not starved by the first one's spray
  const other = c.check('root', 'Winter2024!', '203.0.113.9');
  assert.deepEqual(counted, ['ssh.honeycred_overload', 'ssh.honeycred_overload']);
  const got = await Promise.all([...spray, dup, other]);
  assert.deepEqual(
    got.map((v) => v?.honeycred),
    [...Array(MAX_PER_SOURCE + 2).fill(false), false, true],
  );
  assert.deepEqual(verifyLoad(), { active: 0, queued: 0, sources: 0 });
  // users no decoy names are decided inline, without a slot or a hash
  assert.deepEqual(await c.check('nobody', 'x', '198.51.100.7'), { honeycred: false });
});
