/** The sensor's V8 mode follows its own CPU use: memory while quiet, speed while busy, no flapping. */
import assert from 'node:assert/strict';
import test from 'node:test';
import { adaptiveV8 } from './sensor-v8.ts';

function harness() {
  const applied: string[] = [];
  let cpu = 0;
  let at = 0;
  const v8 = adaptiveV8({
    sampleMs: 60_000,
    busyPct: 3,
    quietPct: 1,
    apply: (f) => applied.push(f),
    cpuMicros: () => cpu,
    now: () => at,
  });
  /** Advances 2 s during which the process used `pct` percent of one CPU, then samples. */
  const run = (pct: number) => {
    at += 2000;
    cpu += pct * 10 * 2000;
    v8.sample();
  };
  return { v8, applied, run };
}

test('sensor-v8: starts favouring memory, switches to speed when busy and back when quiet', () => {
  const { v8, applied, run } = harness();
  try {
    assert.equal(v8.mode, 'memory');
    assert.deepEqual(applied, ['--optimize-for-size']);
    run(0.2); // idle
    assert.equal(v8.mode, 'memory');
    run(40); // a load
    assert.equal(v8.mode, 'speed');
    run(5);
    run(1.5); // between the marks: stays
    assert.equal(v8.mode, 'speed');
    run(0.5);
    assert.equal(v8.mode, 'memory');
    run(2); // between the marks again: stays in memory mode
    assert.equal(v8.mode, 'memory');
    assert.deepEqual(applied, ['--optimize-for-size', '--no-optimize-for-size', '--optimize-for-size']);
  } finally {
    v8.stop();
  }
});

test('sensor-v8: a sample with no elapsed time changes nothing', () => {
  const { v8, applied } = harness();
  try {
    v8.sample();
    assert.deepEqual(applied, ['--optimize-for-size']);
  } finally {
    v8.stop();
  }
});

test('sensor-v8: the real flag can be switched both ways in a running process', () => {
  // the default apply is node:v8 setFlagsFromString; switching must not throw
  const v8 = adaptiveV8({ sampleMs: 60_000, busyPct: 0, quietPct: -1 });
  try {
    v8.sample();
    assert.equal(v8.mode, 'speed');
  } finally {
    v8.stop();
  }
});
