/**
 * Agent management on real stores (SQLite, and PostgreSQL when a server binary is on the
 * machine): migration v8 creates the tables, a token enrolls once and only for its kind, a
 * heartbeat stores the cleaned status, online turns offline after three missed intervals,
 * and removal revokes the agent's API key.
 */
import assert from 'node:assert/strict';
import { openAgentDb } from '../../packages/server/src/agents/db.ts';
import { AgentService } from '../../packages/server/src/agents/service.ts';
import { createAgentToken } from '../../packages/server/src/agents/tokens.ts';
import type { ServerContext } from '../../packages/server/src/context.ts';
import { openStore } from '../../packages/server/src/store/index.ts';
import { onRealStores } from '../helpers/stores.ts';

async function exercise(url: string) {
  const store = await openStore({ url });
  const db = openAgentDb(url);
  let forgotten = 0;
  const ctx = {
    config: { sensors: { heartbeatSec: 10, enrollPerMinute: 10 } },
    meta: store.meta,
    keys: { forget: () => forgotten++ },
  } as unknown as ServerContext;
  try {
    const svc = new AgentService(db, ctx);
    const t = await createAgentToken(db, { kind: 'waf', name: 'edge', createdBy: 'test' });
    await assert.rejects(
      svc.enroll({ token: t.token, hostname: 'h', version: '1', kind: 'agent' }),
      (e: Error & { code?: string }) => e.code === 'KYOKA_E_UNAUTHENTICATED',
      'a WAF token does not enroll an agent',
    );
    const e = await svc.enroll({ token: t.token, hostname: 'edge.example', version: '1', kind: 'waf' });
    assert.equal(e.heartbeat_seconds, 10);
    await assert.rejects(svc.enroll({ token: t.token, hostname: 'x', version: '1', kind: 'waf' }), /used or expired/);

    const a = await svc.get(e.agent_id);
    assert.ok(a);
    assert.equal(a.name, 'edge', 'named after the token');
    const key = await store.meta.findApiKeyByPrefix(e.api_key.split('_')[1] as string);
    assert.equal(key?.role, 'agent');
    assert.equal(key?.name, 'waf:edge');
    assert.equal(await svc.originOf(a.key_id), 'waf:edge');

    const site = { name: 's', listen: ':80', backend: 'b', sandbox: 'c', action: 'deceive' };
    await svc.heartbeat(a.key_id, {
      version: '2',
      hostname: 'edge-2.example',
      kind: 'waf',
      sites: [{ ...site, requests: 5, attacks: 1, sandboxed: 1, banned: 0, junk: true }],
    });
    const [v] = await svc.list();
    assert.equal(v?.version, '2');
    assert.equal(v?.hostname, 'edge-2.example');
    assert.deepEqual(v?.sites, [{ ...site, requests: 5, attacks: 1, sandboxed: 1, banned: 0 }]);
    assert.equal(v?.status, 'online');
    const row = (await svc.get(e.agent_id)) as NonNullable<typeof a>;
    assert.equal(svc.view(row, Number(row.last_seen) + 29_999).status, 'online');
    assert.equal(svc.view(row, Number(row.last_seen) + 30_000).status, 'offline', 'offline after 3 intervals');

    await svc.remove(e.agent_id);
    assert.equal(await store.meta.findApiKeyByPrefix(e.api_key.split('_')[1] as string), null, 'key revoked');
    assert.equal(forgotten, 1, 'cached key verifications are dropped');
    assert.deepEqual(await svc.list(), []);
    await assert.rejects(svc.heartbeat(a.key_id, { version: '1', hostname: 'h', kind: 'waf' }), /enrolled/);
  } finally {
    await db.destroy();
    await store.close();
  }
}

onRealStores('agent management on real stores', exercise);
