/**
 * The console's Honeypot page (packages/console/src/pages/honeypot-page.tsx) is three store
 * queries over `event.dataset:opencanary`: top source.ip, top kyoka.honeypot.service and the
 * credential search. Real OpenCanary lines, as `kyoka start`'s local sensor writes them, go
 * through the real parser, normalizeEvent and a real SQLite store: the sensor's own startup
 * records (1001 "Added service…", "Canary running!!!", 1002 debug) must not show up as
 * attacks, and Redis AUTH must show up as a captured credential.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createParser, type KyokaEvent, newId, normalizeEvent } from '@kyoka/core';
import { parseQuery } from '@kyoka/core/query/index';
import { openStore } from './index.ts';
import type { Store } from './types.ts';

// The page's queries, verbatim.
const HONEYPOT_Q = 'event.dataset:opencanary';
const CREDS_Q = `${HONEYPOT_Q} and (user.name:* or kyoka.credentials.password:*)`;

const T = '2026-11-21 09:00:01.000001';
const sys = (logtype: number, msg: string) =>
  `{"dst_host": "", "dst_port": -1, "local_time": "${T}", "local_time_adjusted": "2026-11-21 10:00:01.000001", "logdata": {"msg": {"logdata": "${msg}"}}, "logtype": ${logtype}, "node_id": "kyoka-local", "src_host": "", "src_port": -1, "utc_time": "${T}"}`;
const hit = (logtype: number, port: number, logdata: string, src: string) =>
  `{"dst_host": "127.0.0.1", "dst_port": ${port}, "local_time": "${T}", "local_time_adjusted": "2026-11-21 10:00:01.000001", "logdata": ${logdata}, "logtype": ${logtype}, "node_id": "kyoka-local", "src_host": "${src}", "src_port": 51234, "utc_time": "${T}"}`;

const LINES = [
  ...['ssh', 'ftp', 'telnet', 'http', 'httpproxy', 'mysql', 'redis', 'tcpbanner'].map((m) =>
    sys(1001, `Added service from class Canary${m} in opencanary.modules.${m} to fake`),
  ),
  sys(1001, 'Canary running!!!'),
  sys(1002, 'kyoka sensor: 8 services listening'),
  hit(2000, 2121, '{"PASSWORD": "foo@bar", "USERNAME": "anonymous"}', '203.0.113.7'),
  hit(
    4002,
    2222,
    '{"LOCALVERSION": "SSH-2.0-OpenSSH_5.1p1 Debian-4", "PASSWORD": "123456", "REMOTEVERSION": "SSH-2.0-libssh2_1.11.0", "USERNAME": "root"}',
    '203.0.113.7',
  ),
  hit(17001, 6379, '{"ARGS": "secretpw", "CMD": "AUTH"}', '198.51.100.4'),
  hit(17001, 6379, '{"ARGS": "admin s3cret", "CMD": "AUTH"}', '198.51.100.4'),
  hit(17001, 6379, '{"ARGS": "", "CMD": "INFO"}', '198.51.100.4'),
];

const FROM = Date.parse('2026-11-21T00:00:00Z');
const TO = Date.parse('2026-11-22T00:00:00Z');

describe('honeypot activity (the Honeypot page queries)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kyoka-honeypot-'));
  let store: Store;
  before(async () => {
    store = await openStore({ url: `sqlite:${join(dir, 'kyoka.db')}`, hotQuietMs: 0 });
    await store.events.init();
    const p = createParser('opencanary');
    const ctx = { receivedAt: new Date('2026-11-21T09:00:02Z'), sourceName: 'sensor' };
    const events: KyokaEvent[] = LINES.flatMap((l) =>
      p.parse(l, ctx).map((e) => {
        e.id = newId();
        return normalizeEvent(e, { receivedAt: ctx.receivedAt.getTime(), source: 'sensor' });
      }),
    );
    assert.deepEqual(await store.events.insert(events), { inserted: LINES.length, duplicates: 0 });
  });
  after(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const top = (field: string, q = HONEYPOT_Q) =>
    store.events.top({ field, query: parseQuery(q), from: FROM, to: TO, n: 10 });

  it('services hit count attacks only, not the sensor starting up', async () => {
    const services = await top('kyoka.honeypot.service');
    assert.deepEqual(services.map((b) => [b.value, b.count]).sort(), [
      ['ftp', 1],
      ['redis', 3],
      ['ssh', 1],
    ]);
    const all = await store.events.search({ query: parseQuery(HONEYPOT_Q), from: FROM, to: TO, limit: 100 });
    assert.equal(all.total, 5);
  });

  it('top attackers are the sources that touched a service', async () => {
    const attackers = await top('source.ip');
    assert.deepEqual(attackers.map((b) => [b.value, b.count]).sort(), [
      ['198.51.100.4', 3],
      ['203.0.113.7', 2],
    ]);
  });

  it('the startup records are stored and findable as the sensor system dataset', async () => {
    const r = await store.events.search({
      query: parseQuery('event.dataset:opencanary.system'),
      from: FROM,
      to: TO,
      limit: 100,
    });
    assert.equal(r.total, 10);
    const msgs = r.events.map((e) => e.message);
    assert.ok(msgs.includes('Canary running!!!'));
    assert.ok(msgs.includes('Added service from class Canaryftp in opencanary.modules.ftp to fake'));
    const byModule = await store.events.search({
      query: parseQuery('event.module:opencanary'),
      from: FROM,
      to: TO,
      limit: 1,
    });
    assert.equal(byModule.total, LINES.length);
  });

  it('captured credentials include Redis AUTH next to ssh and ftp', async () => {
    const r = await store.events.search({ query: parseQuery(CREDS_Q), from: FROM, to: TO, limit: 100 });
    const rows = r.events
      .map((e) => {
        const c = (e.kyoka as { credentials?: { username?: string; password?: string } }).credentials;
        const svc = (e.kyoka as { honeypot?: { service?: string } }).honeypot?.service;
        return `${svc} ${c?.username ?? '-'} ${c?.password ?? '-'} | ${e.message}`;
      })
      .sort();
    assert.deepEqual(rows, [
      'ftp anonymous foo@bar | ftp login attempt: anonymous / foo@bar',
      'redis - secretpw | AUTH secretpw',
      'redis admin s3cret | AUTH admin s3cret',
      'ssh root 123456 | ssh login attempt: root / 123456',
    ]);
  });
});
