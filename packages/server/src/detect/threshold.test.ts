import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BucketStore } from './buckets.ts';
import { createEngine } from './engine.ts';
import { ev, rules, T0 } from './test-util.ts';

const BF = (extra = '') =>
  rules(
    `title: bf\nid: bf\ndetection:\n  s:\n    event.action: login_failure\n  condition: s\nkyoka:\n  threshold: { capacity: 3, leakspeed: 10s, blackhole: 1m${extra} }\n  action:\n    decision: { type: ban, duration: 4h }\n`,
  );

function fail(ip: string, t: number, user = 'root') {
  return ev({ event: { action: 'login_failure' }, source: { ip }, user: { name: user } }, t);
}

describe('threshold (leaky bucket)', () => {
  it('overflows when more than capacity are poured; the Detection carries count, events, times, decision', () => {
    const e = createEngine({ rules: BF(), clock: 'event' });
    const evs = [0, 1000, 2000, 3000].map((t) => fail('203.0.113.5', t));
    assert.deepEqual(e.process(evs.slice(0, 3)), []);
    const [d, ...rest] = e.process(evs.slice(3));
    assert.equal(rest.length, 0);
    assert.equal(d?.rule.id, 'bf');
    assert.equal(d?.count, 4);
    assert.deepEqual(
      d?.events,
      evs.map((x) => x.id),
    );
    assert.equal(d?.first, evs[0]?.['@timestamp']);
    assert.equal(d?.last, evs[3]?.['@timestamp']);
    assert.deepEqual(d?.group, { 'source.ip': '203.0.113.5' });
    assert.equal(d?.key, 'bf|203.0.113.5');
    assert.deepEqual(d?.decision, { type: 'ban', value: '203.0.113.5', duration_ms: 4 * 3600_000 });
    assert.equal(d?.alert, false);
  });

  it('leaks one unit per leakspeed: a slow source never overflows', () => {
    const e = createEngine({ rules: BF(), clock: 'event' });
    // one event every 10 s: each pour finds the previous unit leaked
    const out = e.process(Array.from({ length: 50 }, (_, i) => fail('203.0.113.6', i * 10_000)));
    assert.deepEqual(out, []);
    // one every 4 s: +1 per pour, -0.4 leaked: level 1, 1.6, 2.2, 2.8, 3.4 > 3 at the 5th
    const e2 = createEngine({ rules: BF(), clock: 'event' });
    const out2 = e2.process(Array.from({ length: 5 }, (_, i) => fail('203.0.113.7', i * 4000)));
    assert.equal(out2.length, 1);
    assert.equal(out2[0]?.count, 5);
  });

  it('blackhole silences the group after an overflow, then it can fire again', () => {
    let now = T0;
    const e = createEngine({ rules: BF(), now: () => now });
    const burst = () => e.process([1, 2, 3, 4].map(() => fail('203.0.113.8', 0)));
    assert.equal(burst().length, 1);
    now += 30_000;
    assert.equal(burst().length, 0, 'inside the 1 min blackhole');
    now += 31_000;
    assert.equal(burst().length, 1, 'after the blackhole');
  });

  it('groups are independent (groupby), and whitelisted sources pour nothing', () => {
    const e = createEngine({ rules: BF(), clock: 'event', whitelist: { ips: ['198.51.100.0/24'] } });
    const evs = [];
    for (let i = 0; i < 4; i++) evs.push(fail('203.0.113.9', i), fail('203.0.113.10', i), fail('198.51.100.1', i));
    const out = e.process(evs);
    assert.deepEqual(out.map((d) => d.group['source.ip']).sort(), ['203.0.113.10', '203.0.113.9']);
    assert.equal(e.stats().whitelisted, 4);
  });

  it('distinct counts each value once while the bucket lives', () => {
    const e = createEngine({ rules: BF(', distinct: user.name'), clock: 'event' });
    const same = Array.from({ length: 10 }, (_, i) => fail('203.0.113.11', i, 'root'));
    assert.deepEqual(e.process(same), []);
    const out = e.process(['a', 'b', 'c', 'a'].map((u, i) => fail('203.0.113.11', 20 + i, u)));
    assert.equal(out.length, 1, 'root + a + b + c = 4 distinct > 3');
    assert.equal(out[0]?.count, 4);
  });

  it('Wazuh form count/timeframe: F events within T overflow', () => {
    const r = rules(
      `title: w\nid: w\ndetection:\n  s:\n    event.action: login_failure\n  condition: s\nkyoka:\n  threshold: { count: 5, timeframe: 60s }\n`,
    );
    assert.equal(r[0]?.threshold?.capacity, 4);
    assert.equal(r[0]?.threshold?.leakMs, 60_000);
    const e = createEngine({ rules: r, clock: 'event' });
    assert.equal(e.process([0, 10, 20, 30, 59].map((s) => fail('203.0.113.12', s * 1000))).length, 1);
    assert.equal(r[0]?.action.alert, true, 'no action: alert only');
  });

  it('bucket store: bounded by max (LRU), expired buckets swept', () => {
    const spec = { capacity: 5, leakMs: 1000, blackholeMs: 0, groupby: ['source.ip'] };
    const s = new BucketStore(3);
    for (const k of ['a', 'b', 'c', 'd']) s.pour(k, spec, 0, 'x', 't', undefined);
    assert.equal(s.size, 3);
    assert.equal(s.evicted, 1);
    s.sweep(999);
    assert.equal(s.size, 3, 'level 1 leaks empty at 1000 ms');
    s.sweep(20_000);
    assert.equal(s.size, 0);
  });

  it('100k distinct attacker IPs: memory bounded by maxBuckets, decisions still correct', () => {
    const r = BF();
    const e = createEngine({ rules: r, clock: 'event', maxBuckets: 100_000 });
    const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 150_000; i += 1000) {
      const batch = [];
      for (let j = i; j < i + 1000; j++) batch.push(fail(ip(j), 0));
      e.process(batch);
    }
    const st = e.stats();
    assert.equal(st.buckets, 100_000, 'at most maxBuckets groups live');
    assert.equal(st.evicted, 50_000);
    global.gc?.();
    const growth = (process.memoryUsage().heapUsed - before) / 1048576;
    console.log(`# 150k attacker IPs, 100k live buckets: heap growth ${growth.toFixed(1)} MiB`);
    assert.ok(growth < 200, `heap grew ${growth} MiB`);
    // every attacker crossing the threshold still gets its own decision
    const burst = [];
    for (let j = 0; j < 1000; j++) for (let k = 0; k < 4; k++) burst.push(fail(ip(200_000 + j), 1000));
    const out = e.process(burst);
    assert.equal(out.length, 1000);
    assert.equal(new Set(out.map((d) => d.decision?.value)).size, 1000);
    // once they have leaked empty, the sweep frees them
    e.process([fail('192.0.2.1', 3_600_000)]);
    assert.ok(e.stats().buckets <= 1, `buckets after expiry: ${e.stats().buckets}`);
  });
});
