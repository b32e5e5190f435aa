/** Tailer behaviour: rotation, copytruncate, restart resume, partial/CRLF/long/binary lines. */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createTailer, type Tailer, type TailerOptions, type TailState } from './tailer.ts';

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('file tailer', () => {
  let dir: string;
  let file: string;
  let lines: string[];
  let state: TailState | undefined;
  const tailers: Tailer[] = [];

  function tail(extra: Partial<TailerOptions> = {}): Tailer {
    const t = createTailer({
      path: file,
      from: 'start',
      pollMs: 20,
      rotateGraceMs: 100,
      onLine: (l) => lines.push(l),
      onState: (s) => {
        state = s;
      },
      ...extra,
    });
    tailers.push(t);
    return t;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kyoka-tail-'));
    file = join(dir, 'app.log');
    lines = [];
    state = undefined;
  });
  afterEach(async () => {
    for (const t of tailers.splice(0)) await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts at the end by default on first sight, then follows appends', async () => {
    writeFileSync(file, 'old 1\nold 2\n');
    const t = tail({ from: 'end' });
    await t.start();
    appendFileSync(file, 'new 1\n');
    await until(() => lines.length === 1, 'new line');
    assert.deepEqual(lines, ['new 1']);
    assert.equal(t.stats().offset, 18);
  });

  it('holds a partial last line until its newline; strips CR; skips NUL holes', async () => {
    writeFileSync(file, '');
    const t = tail();
    await t.start();
    appendFileSync(file, 'first part');
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual(lines, []);
    appendFileSync(file, ' and the rest\r\nwindows\r\n\0\0\0after hole\n');
    await until(() => lines.length === 3, 'three lines');
    assert.deepEqual(lines, ['first part and the rest', 'windows', 'after hole']);
    assert.equal(t.stats().lines, 3);
  });

  it('cuts very long lines, counts them, and never crashes on binary garbage', async () => {
    writeFileSync(file, '');
    const t = tail({ maxLineBytes: 100, chunkBytes: 64 });
    await t.start();
    const garbage = Buffer.from([0xff, 0xfe, 0x00, 0x41, 0xc3, 0x28, 0x0a]);
    appendFileSync(file, `${'x'.repeat(1000)}\nshort\n`);
    appendFileSync(file, garbage);
    appendFileSync(file, 'end\n');
    await until(() => lines.includes('end'), 'end line');
    assert.equal(lines[0], 'x'.repeat(100));
    assert.equal(lines[1], 'short');
    assert.equal(lines.length, 4);
    assert.equal(t.stats().capped, 1);
  });

  it('rotation by rename: finishes the old file, then reads the new one from 0', async () => {
    writeFileSync(file, 'a1\n');
    const t = tail();
    await t.start();
    await until(() => lines.length === 1, 'a1');
    appendFileSync(file, 'a2\n');
    renameSync(file, `${file}.1`);
    appendFileSync(`${file}.1`, 'a3 late write to the old file\n'); // daemon not yet reopened
    writeFileSync(file, 'b1\n');
    await until(() => lines.includes('b1') && lines.includes('a3 late write to the old file'), 'both files');
    assert.deepEqual(lines.slice(0, 2), ['a1', 'a2']);
    assert.equal(lines.length, 4);
    assert.equal(t.stats().rotations, 1);
    appendFileSync(file, 'b2\n');
    await until(() => lines.includes('b2'), 'b2');
  });

  it('copytruncate: size shrinks → reads again from 0', async () => {
    writeFileSync(file, 'line one\nline two\n');
    const t = tail();
    await t.start();
    await until(() => lines.length === 2, 'two lines');
    truncateSync(file, 0);
    await until(() => t.stats().truncations === 1, 'truncation');
    appendFileSync(file, 'after\n');
    await until(() => lines.includes('after'), 'after');
    assert.deepEqual(lines, ['line one', 'line two', 'after']);
  });

  it('truncated and rewritten past the old offset between two looks: detected by the first bytes', async () => {
    writeFileSync(file, 'AAAA first\n');
    const t = tail({ pollMs: 60_000 }); // no polling: one look at a time, by hand
    await t.start();
    assert.deepEqual(lines, ['AAAA first']);
    await t.stop();
    // Restart with the saved state after the file was replaced in place by longer content.
    writeFileSync(file, 'BBBB second line that is longer\nBBBB third\n');
    const t2 = tail({ state });
    await t2.start();
    await until(() => lines.length === 3, 'reread');
    assert.deepEqual(lines.slice(1), ['BBBB second line that is longer', 'BBBB third']);
  });

  it('restart resumes at the saved offset without re-reading or losing lines', async () => {
    writeFileSync(file, 'one\ntwo\n');
    const t = tail();
    await t.start();
    await until(() => lines.length === 2, 'two');
    appendFileSync(file, 'thr');
    await new Promise((r) => setTimeout(r, 60));
    await t.stop();
    const saved = state as TailState;
    assert.equal(saved.offset, 8, 'the partial line is not counted');
    appendFileSync(file, 'ee\nfour\n'); // written while the agent was down
    const t2 = tail({ state: saved, from: 'end' });
    await t2.start();
    await until(() => lines.length === 4, 'resumed lines');
    assert.deepEqual(lines, ['one', 'two', 'three', 'four']);
  });

  it('restart after a rotation while stopped: finishes the rotated file, then the new one', async () => {
    writeFileSync(file, 'one\n');
    const t = tail();
    await t.start();
    await until(() => lines.length === 1, 'one');
    await t.stop();
    appendFileSync(file, 'two (before rotation)\n');
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'three (new file)\n');
    const t2 = tail({ state });
    await t2.start();
    await until(() => lines.length === 3, 'all');
    assert.deepEqual(lines, ['one', 'two (before rotation)', 'three (new file)']);
    assert.equal(t2.stats().rotations, 1);
  });

  it('a file that does not exist yet is read from its start once it appears', async () => {
    const t = tail({ from: 'end' });
    await t.start();
    writeFileSync(file, 'born\n');
    await until(() => lines.length === 1, 'born');
    assert.deepEqual(lines, ['born']);
  });
});
