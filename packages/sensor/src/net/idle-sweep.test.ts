/**
 * IdleSweep: a socket is handed to onIdle after SWEEP_TICKS sweeps in a row without traffic
 * (never before idleMs), traffic in either direction restarts its count, and the timer runs only
 * while sockets are tracked. Sweeps are driven by hand with fake byte counters; the last test runs
 * the real timer against a real TCP connection through listenTcp.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { harness } from '../testing/harness.ts';
import { IdleSweep, SWEEP_TICKS } from './idle-sweep.ts';
import { listenTcp } from './tcp.ts';

class Fake {
  bytesRead = 0;
  bytesWritten: number | undefined = 0;
  constructor(readonly name: string) {}
}

test('idle sweep: dropped after SWEEP_TICKS quiet sweeps, traffic restarts the count', () => {
  const idle: string[] = [];
  const sweep = new IdleSweep<Fake>(60_000, (s) => idle.push(s.name));
  try {
    assert.equal(sweep.tickMs, 60_000 / SWEEP_TICKS);
    const quiet = new Fake('quiet');
    const busy = new Fake('busy');
    const writer = new Fake('writer');
    sweep.add(quiet);
    sweep.add(busy);
    sweep.add(writer);
    // the first sweep only records where each socket stands (it may have been added just before)
    for (let i = 0; i < SWEEP_TICKS; i++) {
      sweep.sweep();
      busy.bytesRead += 10;
      if (i === 1) writer.bytesWritten = (writer.bytesWritten ?? 0) + 5;
    }
    assert.deepEqual(idle, []);
    sweep.sweep();
    assert.deepEqual(idle, ['quiet']);
    assert.equal(sweep.size, 2);
    // the writer moved bytes at the second sweep: SWEEP_TICKS quiet sweeps after the one that saw it
    sweep.sweep();
    sweep.sweep();
    assert.deepEqual(idle, ['quiet', 'writer']);
    assert.deepEqual(
      [...sweep.sockets()].map((s) => s.name),
      ['busy'],
    );
  } finally {
    sweep.stop();
  }
});

test('idle sweep: a socket node tore down (bytesWritten undefined) still times out; delete forgets', () => {
  const idle: Fake[] = [];
  const sweep = new IdleSweep<Fake>(1000, (s) => idle.push(s));
  try {
    const gone = new Fake('gone');
    gone.bytesWritten = undefined;
    const closed = new Fake('closed');
    sweep.add(gone);
    sweep.add(closed);
    sweep.delete(closed);
    for (let i = 0; i <= SWEEP_TICKS; i++) sweep.sweep();
    assert.deepEqual(idle, [gone]);
    assert.equal(sweep.size, 0);
  } finally {
    sweep.stop();
  }
});

test('idle sweep through listenTcp: an idle connection is closed within idleMs + one tick and counted', async () => {
  const h = harness({});
  const idleMs = 200;
  const l = await listenTcp(h.ctx, { service: 'x', port: 0, idleMs, onConnection: (s) => s.on('data', () => {}) });
  try {
    const c = connect(l.port, '127.0.0.1');
    const t0 = Date.now();
    await new Promise((r) => c.once('connect', r));
    // traffic keeps it open past idleMs
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, idleMs / 2));
      c.write('x');
    }
    const active = Date.now();
    await new Promise<void>((r) => c.once('close', () => r()));
    const closedAfter = Date.now() - active;
    assert.ok(Date.now() - t0 >= 2 * idleMs, 'open while active');
    assert.ok(closedAfter >= idleMs - 20, `closed ${closedAfter} ms after the last byte`);
    assert.ok(closedAfter < idleMs * 1.25 + 150, `closed ${closedAfter} ms after the last byte`);
    assert.equal(h.counts.get('x:idle_timeout'), 1);
  } finally {
    await l.close();
    h.cleanup();
  }
});

test('idle sweep: maxLifeMs drops a socket that trickles forever, counted apart from idle ones', () => {
  const dropped: Array<[string, string]> = [];
  const push = (s: Fake, why: string) => {
    dropped.push([s.name, why]);
  };
  // tick = 1000 / SWEEP_TICKS; a 1,000 ms life is SWEEP_TICKS ticks
  const sweep = new IdleSweep<Fake>(1000, push, 1000);
  try {
    const trickle = new Fake('trickle');
    sweep.add(trickle);
    sweep.sweep(); // records where it stands: its life is counted from here (to within a tick)
    for (let i = 0; i < SWEEP_TICKS - 1; i++) {
      trickle.bytesRead++;
      sweep.sweep();
    }
    assert.deepEqual(dropped, [], 'not before its life is over');
    trickle.bytesRead++;
    sweep.sweep();
    assert.deepEqual(dropped, [['trickle', 'lifetime']]);
    // without maxLifeMs the same socket is never dropped while it trickles
    const forever = new IdleSweep<Fake>(1000, push);
    const t = new Fake('forever');
    forever.add(t);
    for (let i = 0; i < 5000; i++) {
      t.bytesRead++;
      forever.sweep();
    }
    assert.equal(forever.size, 1);
    forever.stop();
  } finally {
    sweep.stop();
  }
});
