import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRules } from './load.ts';
import { ev, rule } from './test-util.ts';

const SELS = `  a:\n    user.name: a\n  b:\n    source.port: 1\n  sel_x:\n    message|contains: x\n  sel_y:\n    message|contains: y\n`;
function cond(c: string) {
  return rule(`title: t\nid: t\ndetection:\n${SELS}  condition: ${c}\n`).match;
}
const A = { user: { name: 'a' } };
const B = { source: { port: 1 } };

describe('condition', () => {
  it('and / or / not with precedence not > and > or, and parentheses', () => {
    assert.equal(cond('a and b')(ev({ ...A, ...B })), true);
    assert.equal(cond('a and b')(ev(A)), false);
    assert.equal(cond('a or b')(ev(B)), true);
    assert.equal(cond('a and not b')(ev(A)), true);
    assert.equal(cond('a and not b')(ev({ ...A, ...B })), false);
    // a or b and sel_x == a or (b and sel_x)
    assert.equal(cond('a or b and sel_x')(ev(A)), true);
    assert.equal(cond('(a or b) and sel_x')(ev(A)), false);
    assert.equal(cond('not (a or b)')(ev({})), true);
    assert.equal(cond('NOT a AND b')(ev(B)), true);
  });

  it('1 of / all of with patterns and them', () => {
    assert.equal(cond('1 of sel_*')(ev({ message: 'y' })), true);
    assert.equal(cond('all of sel_*')(ev({ message: 'y' })), false);
    assert.equal(cond('all of sel_*')(ev({ message: 'xy' })), true);
    assert.equal(cond('1 of them')(ev(B)), true);
    assert.equal(cond('all of them')(ev({ ...A, ...B, message: 'xy' })), true);
    assert.equal(cond('all of them')(ev({ ...A, message: 'xy' })), false);
    assert.equal(cond('a and 1 of sel_*')(ev({ ...A, message: 'x' })), true);
  });

  it('a list of conditions is their OR', () => {
    const m = rule(`title: t\nid: t\ndetection:\n${SELS}  condition:\n    - a and b\n    - sel_x\n`).match;
    assert.equal(m(ev({ message: 'x' })), true);
    assert.equal(m(ev(A)), false);
  });

  it('bad conditions are errors naming the condition line', () => {
    for (const c of ['a and', 'a or or b', '(a', 'zzz', '1 of nomatch*', 'a | count() by source.ip > 5', 'a b']) {
      const r = parseRules({ name: 'f.yml', text: `title: t\nid: t\ndetection:\n${SELS}  condition: ${c}\n` });
      assert.equal(r.rules.length, 0, c);
      assert.equal(r.errors[0]?.line, 12, c);
      assert.match(r.errors[0]?.message ?? '', /condition|aggregation/, c);
    }
  });

  it('prefilter: constants the rule requires of event.action / dataset / category', () => {
    const r1 = rule(
      `title: t\nid: t\ndetection:\n  s1:\n    event.action: [A.x, b.y]\n  s2:\n    event.action: c.z\n  n:\n    user.name: r\n  condition: (s1 or s2) and not n\n`,
    );
    assert.deepEqual(r1.index, { field: 'event.action', values: ['a.x', 'b.y', 'c.z'] });
    const r2 = rule(
      `title: t\nid: t\ndetection:\n  s1:\n    event.action: a\n  s2:\n    user.name: b\n  condition: s1 or s2\n`,
    );
    assert.equal(r2.index, undefined, 'an OR branch without the constant cannot be indexed');
    const r3 = rule(
      `title: t\nid: t\nlogsource:\n  product: linux\n  service: sshd\ndetection:\n  k:\n    - Failed\n  condition: k\n`,
    );
    assert.deepEqual(r3.index, { field: 'event.dataset', values: ['sshd'] });
    const r4 = rule(`title: t\nid: t\ndetection:\n  s:\n    event.action|contains: a\n  condition: s\n`);
    assert.equal(r4.index, undefined, 'modifiers are not constants');
  });
});
