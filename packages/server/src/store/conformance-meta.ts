/** MetaStore part of the conformance suite (users, API keys, sessions, settings). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KyokaError } from '@kyoka/core';
import type { Store } from './types.ts';

const code = (c: string) => (e: unknown) => (e as KyokaError).code === c;

export function runMetaConformance(store: () => Store): void {
  describe('meta store', () => {
    it('users', async () => {
      const m = store().meta;
      assert.equal(await m.countUsers(), 0);
      const u = await m.createUser({ name: 'alice', role: 'admin', passwordHash: 'h1' });
      assert.equal(u.name, 'alice');
      assert.equal(u.role, 'admin');
      assert.ok(Number.isFinite(u.createdAt) && u.createdAt > 0);
      await m.createUser({ name: "bob'; DROP TABLE users; --", role: 'read-only', passwordHash: 'h2' });
      await assert.rejects(
        m.createUser({ name: 'alice', role: 'analyst', passwordHash: 'x' }),
        code('KYOKA_E_CONFLICT'),
      );
      assert.deepEqual(await m.getUser('alice'), u);
      assert.equal(await m.getUser('nobody'), null);
      assert.equal(await m.countUsers(), 2);
      assert.deepEqual(
        (await m.listUsers()).map((x) => x.name),
        ['alice', "bob'; DROP TABLE users; --"],
      );
      await m.setPassword('alice', 'h3');
      assert.equal((await m.getUser('alice'))?.passwordHash, 'h3');
      await assert.rejects(m.setPassword('nobody', 'x'), code('KYOKA_E_NOT_FOUND'));
    });

    it('API keys', async () => {
      const m = store().meta;
      const k = await m.createApiKey({ name: 'sensor-1', role: 'sensor', prefix: 'kyk_abc', hash: 'H' });
      assert.equal(k.lastUsedAt, null);
      assert.equal(k.revokedAt, null);
      assert.ok(k.id.length > 0);
      await assert.rejects(
        m.createApiKey({ name: 'dup', role: 'ingest', prefix: 'kyk_abc', hash: 'H2' }),
        code('KYOKA_E_CONFLICT'),
      );
      const k2 = await m.createApiKey({ name: 'bouncer', role: 'bouncer', prefix: 'kyk_def', hash: 'H3' });
      assert.deepEqual(await m.findApiKeyByPrefix('kyk_abc'), k);
      assert.equal(await m.findApiKeyByPrefix('kyk_zzz'), null);
      await m.touchApiKey(k.id, 1234);
      assert.equal((await m.findApiKeyByPrefix('kyk_abc'))?.lastUsedAt, 1234);
      assert.deepEqual(
        (await m.listApiKeys()).map((x) => x.id),
        [k.id, k2.id],
      );
      assert.equal(await m.revokeApiKey(k.id), true);
      assert.equal(await m.revokeApiKey(k.id), false, 'already revoked');
      assert.equal(await m.revokeApiKey('missing'), false);
      assert.equal(await m.findApiKeyByPrefix('kyk_abc'), null, 'revoked keys are not found');
      const listed = (await m.listApiKeys()).find((x) => x.id === k.id);
      assert.ok(listed?.revokedAt && listed.revokedAt > 0);
    });

    it('sessions', async () => {
      const m = store().meta;
      const future = Date.now() + 3_600_000;
      await m.createSession({ id: 's1', user: 'alice', csrf: 'c1', expiresAt: future });
      await m.createSession({ id: 's2', user: 'alice', csrf: 'c2', expiresAt: Date.now() - 1000 });
      assert.deepEqual(await m.getSession('s1'), { id: 's1', user: 'alice', csrf: 'c1', expiresAt: future });
      assert.equal(await m.getSession('s2'), null, 'expired');
      assert.equal(await m.getSession('nope'), null);
      assert.equal(await m.purgeSessions(Date.now()), 1);
      await m.deleteSession('s1');
      assert.equal(await m.getSession('s1'), null);
      assert.equal(await m.purgeSessions(future + 1), 0);
    });

    it('settings', async () => {
      const m = store().meta;
      assert.equal(await m.getSetting('x'), null);
      await m.setSetting('x', { a: [1, 'two'], b: null });
      assert.deepEqual(await m.getSetting('x'), { a: [1, 'two'], b: null });
      await m.setSetting('x', 42);
      assert.equal(await m.getSetting<number>('x'), 42);
      await m.setSetting("k'; --", 'v');
      assert.equal(await m.getSetting("k'; --"), 'v');
    });
  });
}
