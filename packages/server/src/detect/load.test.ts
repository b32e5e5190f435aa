import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createEngine } from './engine.ts';
import { formatRuleError, loadRuleSources, parseRules } from './load.ts';
import { RULES_MIGRATION } from './migration.ts';
import { openRulesDb, RuleRepo } from './repo.ts';
import { BUILTIN_RULES_DIR, RuleManager } from './rules-dir.ts';
import { ev } from './test-util.ts';

const GOOD = (id: string, action = 'x.y') =>
  `title: ${id}\nid: ${id}\ndetection:\n  s:\n    event.action: ${action}\n  condition: s\n`;

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'kyoka-rules-'));
  dirs.push(d);
  return d;
}

describe('rule loading', () => {
  it('bad rules name the file and line; the other rules of the file still load', () => {
    const text = [
      GOOD('r1'),
      '---',
      'title: bad modifier',
      'id: r2',
      'detection:',
      '  s:',
      '    user.name|sometimes: x',
      '  condition: s',
      '---',
      'title: bad yaml',
      'id: r3',
      'detection: [unclosed',
      '---',
      'title: bad threshold',
      'id: r4',
      'detection:',
      '  s:',
      '    a: 1',
      'kyoka:',
      '  threshold:',
      '    capacity: 5',
      '    leakspeed: soon',
      '---',
      GOOD('r5'),
    ].join('\n');
    const r = parseRules({ name: '/etc/kyoka/rules/mixed.yml', text });
    assert.deepEqual(
      r.rules.map((x) => x.id),
      ['r1', 'r5'],
    );
    const msgs = r.errors.map(formatRuleError);
    assert.equal(r.errors.length, 3, msgs.join('\n'));
    assert.match(
      msgs[0] as string,
      /^\/etc\/kyoka\/rules\/mixed\.yml:13:\d+: rule r2: unsupported modifier \|sometimes/,
    );
    assert.match(msgs[1] as string, /^\/etc\/kyoka\/rules\/mixed\.yml:1[89]:\d+: /);
    assert.match(msgs[2] as string, /^\/etc\/kyoka\/rules\/mixed\.yml:28:\d+: rule r4: not a duration/);
    assert.equal(r.rules[1]?.origin.line, 30);
  });

  it('missing title, bad level, duplicate id in one file', () => {
    const r = parseRules({
      name: 'f.yml',
      text: `id: a\ndetection:\n  s:\n    a: 1\n---\n${GOOD('b')}level: huge\n---\n${GOOD('c')}---\n${GOOD('c')}`,
    });
    assert.deepEqual(
      r.errors.map((e) => [e.line, e.message]),
      [
        [1, 'title is required'],
        [12, 'level must be informational, low, medium, high or critical'],
        [22, 'duplicate rule id "c" in this file'],
      ],
    );
  });

  it('a later source replaces an earlier rule with the same id; database enabled flag wins', () => {
    const r = loadRuleSources([
      { name: 'builtin.yml', text: `${GOOD('a')}---\n${GOOD('b')}` },
      { name: 'db:a', text: `${GOOD('a', 'other.action')}kyoka:\n  mode: alert-only\n`, enabled: false },
    ]);
    assert.deepEqual(
      r.rules.map((x) => [x.id, x.enabled, x.mode, x.origin.source]),
      [
        ['b', true, 'default', 'builtin.yml'],
        ['a', false, 'alert-only', 'db:a'],
      ],
    );
  });

  it('the built-in pack loads without errors', async () => {
    const m = new RuleManager({ dirs: [BUILTIN_RULES_DIR] });
    const r = await m.reload();
    assert.deepEqual(r.errors.map(formatRuleError), []);
    assert.ok(r.rules.length >= 15);
  });

  it('hot reload: a changed file is swapped into the engine, a broken edit keeps other files', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'a.yml'), GOOD('a', 'one'));
    writeFileSync(join(dir, 'b.yaml'), GOOD('b', 'two'));
    const engine = createEngine({ rules: [] });
    let loads = 0;
    let notify: (() => void) | undefined;
    const m = new RuleManager({
      dirs: [dir],
      engine,
      debounceMs: 50,
      onLoad: () => {
        loads++;
        notify?.();
      },
    });
    await m.reload();
    m.watch();
    const keepAlive = setInterval(() => {}, 1000); // the watcher and its timer do not hold the process open
    assert.equal(engine.process([ev({ event: { action: 'one' } })]).length, 1);
    const changed = new Promise<void>((resolve) => {
      notify = resolve;
    });
    writeFileSync(join(dir, 'a.yml'), GOOD('a', 'three'));
    writeFileSync(join(dir, 'b.yaml'), 'title: [broken');
    await changed;
    // let a possible second debounced load settle on the final content
    while (m.last.rules.some((r) => r.yaml.includes('one'))) await new Promise((r) => setTimeout(r, 20));
    m.close();
    clearInterval(keepAlive);
    assert.ok(loads >= 2);
    assert.equal(engine.process([ev({ event: { action: 'one' } })]).length, 0);
    assert.equal(engine.process([ev({ event: { action: 'three' } })]).length, 1);
    assert.deepEqual(
      engine.rules().map((r) => r.id),
      ['a'],
    );
    assert.equal(m.last.errors[0]?.source, join(dir, 'b.yaml'));
  });

  it('database rules: repository over the v7 table, loaded after the directories', async () => {
    const dir = tmp();
    const file = join(dir, 'kyoka.db');
    const raw = new Database(file);
    for (const s of RULES_MIGRATION.sqlite) raw.exec(s);
    raw.close();
    const repo = new RuleRepo(openRulesDb(`sqlite:${file}`), () => 1234);
    await repo.put('db-1', GOOD('db-1', 'db.action'));
    await repo.put('db-2', GOOD('db-2'), false);
    await repo.put('db-1', GOOD('db-1', 'db.action2'));
    assert.equal((await repo.get('db-1'))?.yaml.includes('db.action2'), true);
    assert.equal(await repo.setEnabled('db-2', true), true);
    assert.equal(await repo.delete('nope'), false);
    const engine = createEngine({ rules: [] });
    const m = new RuleManager({ dirs: [], repo, engine });
    const r = await m.reload();
    assert.deepEqual(
      r.rules.map((x) => [x.id, x.enabled, x.origin.source]),
      [
        ['db-1', true, 'db:db-1'],
        ['db-2', true, 'db:db-2'],
      ],
    );
    assert.equal(engine.process([ev({ event: { action: 'db.action2' } })]).length, 1);
    await repo.close();
  });
});
