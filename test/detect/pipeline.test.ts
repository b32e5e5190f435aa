/**
 * The detection pipeline in a running server: sshd lines from `logger` over syslog TCP cross the
 * built-in brute-force threshold and become one grouped alert plus a ban that a CrowdSec bouncer
 * pulls; a honeypot event becomes a ban pushed on the SSE stream; a whitelisted source produces
 * nothing; the rules API lists the built-ins, validates with line numbers and switches a rule to
 * alert-only.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Client, client, sse, until } from '../decisions/client.ts';
import { type Kyoka, startKyoka } from '../helpers/kyoka.ts';

const ATTACKER = '203.0.113.7';
const FRIEND = '198.51.100.99';

describe('detection pipeline', () => {
  let k: Kyoka;
  let c: Client;
  let bouncer: string;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kyoka-detect-'));
    const configFile = join(dir, 'kyoka.yaml');
    writeFileSync(configFile, `detect:\n  whitelist:\n    ips: ["${FRIEND}/32"]\n`);
    k = await startKyoka({ configFile });
    c = await client(k);
    bouncer = await c.key('fw', 'bouncer');
  });
  after(async () => {
    await k?.stop();
  });

  const sshd = (ip: string, n: number) => {
    for (let i = 0; i < n; i++) {
      execFileSync('logger', [
        '--server',
        '127.0.0.1',
        '--port',
        String(k.syslogTcpPort),
        '--tcp',
        '--octet-count',
        '-t',
        'sshd',
        `Failed password for invalid user admin${i} from ${ip} port ${40000 + i} ssh2`,
      ]);
    }
  };

  it('ssh brute force: one grouped alert and a ban the bouncer pulls; the whitelisted source gets neither', async () => {
    sshd(ATTACKER, 12);
    sshd(FRIEND, 12);
    const found = await until(
      async () => {
        const d = await c.lookup(bouncer, `ip=${ATTACKER}`);
        return d?.length ? d : null;
      },
      'a decision for the attacker',
      20_000,
    );
    assert.equal(found[0]?.type, 'ban');
    assert.equal(found[0]?.scope, 'Ip');
    assert.equal(found[0]?.value, ATTACKER);
    assert.match(found[0]?.scenario ?? '', /^kyoka-bf-ssh/);
    const alerts = await until(
      async () => {
        const r = await fetch(`${k.url}/api/v1/alerts?q=${ATTACKER}`, {
          headers: { authorization: `Bearer ${k.readKey}` },
        });
        const body = (await r.json()) as {
          alerts: Array<{ rule_id: string; count: number; group: Record<string, unknown> }>;
        };
        return body.alerts.length ? body.alerts : null;
      },
      'an alert for the attacker',
      20_000,
    );
    assert.equal(
      alerts.filter((a) => a.rule_id === 'kyoka-bf-ssh').length,
      1,
      'one attacker, one ssh brute-force alert',
    );
    assert.ok((alerts.find((a) => a.rule_id === 'kyoka-bf-ssh')?.count ?? 0) >= 6, 'the alert counts the burst');
    assert.equal(await c.lookup(bouncer, `ip=${FRIEND}`), null, 'whitelisted: no decision');
    const friendAlerts = await fetch(`${k.url}/api/v1/alerts?q=${FRIEND}`, {
      headers: { authorization: `Bearer ${k.readKey}` },
    });
    assert.deepEqual(((await friendAlerts.json()) as { alerts: unknown[] }).alerts, [], 'whitelisted: no alert');
  });

  it('a honeypot interaction reaches push-stream clients as a ban', async () => {
    const stream = await sse(`${k.url}/api/v1/decisions/stream`, { authorization: `Bearer ${bouncer}` });
    try {
      for (;;) if ((await stream.next()).event === 'synced') break;
      const ip = '192.0.2.200';
      const res = await fetch(`${k.url}/api/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${k.ingestKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          event: { dataset: 'opencanary', action: 'ftp.login_attempt' },
          observer: { type: 'honeypot', name: 'canary-1' },
          source: { ip },
          user: { name: 'root' },
        }),
      });
      assert.equal(res.status, 200);
      for (;;) {
        const ev = await stream.next(10_000);
        if (ev.event !== 'decision.new') continue;
        const d = JSON.parse(ev.data) as { value: string; type: string };
        if (d.value !== ip) continue;
        assert.equal(d.type, 'ban');
        break;
      }
    } finally {
      stream.close();
    }
  });

  it('rules API: built-ins listed, validation with line numbers, a rule switched to alert-only', async () => {
    const admin = await c.adminHeaders();
    const rules = (await (await fetch(`${k.url}/api/v1/rules`, { headers: admin })).json()) as Array<{
      id: string;
      source: string;
      hits: number;
    }>;
    const honeypot = rules.find((r) => r.id === 'kyoka-honeypot-interaction');
    assert.ok(honeypot, 'built-in honeypot rule loaded');
    assert.ok(honeypot.hits >= 1, 'its hit counter counted the honeypot event');
    const bad = await fetch(`${k.url}/api/v1/rules/validate`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ yaml: 'title: x\nid: x\ndetection:\n  sel:\n    a: 1\n  condition: sel and nope\n' }),
    });
    const v = (await bad.json()) as { ok: boolean; errors: Array<{ line: number; message: string }> };
    assert.equal(v.ok, false);
    assert.ok(v.errors[0] && v.errors[0].line > 0, JSON.stringify(v));
    const put = await fetch(`${k.url}/api/v1/rules/kyoka-honeypot-interaction`, {
      method: 'PUT',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'alert-only' }),
    });
    assert.equal(put.status, 200, await put.clone().text());
    assert.equal(((await put.json()) as { mode: string; source: string }).mode, 'alert-only');
  });
});
