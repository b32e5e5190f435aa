/**
 * Decisions made with the CLI against the database reach a running server's bouncer deltas;
 * decisions and bouncer pull positions survive a server restart.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Kyoka, kyokaCli, startKyoka } from '../helpers/kyoka.ts';
import { type Client, type CsDecision, client, until } from './client.ts';

let k: Kyoka;
let c: Client;
let dataDir: string;
let bouncer1: string;
const values = (l: CsDecision[] | null) => (l ?? []).map((d) => d.value).sort();
const pull = (key: string, startup: boolean) => c.pull(key, startup);
const lookup = (key: string, q: string) => c.lookup(key, q);

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kyoka-decisions-'));
  k = await startKyoka({ dataDir });
  c = await client(k);
  bouncer1 = await c.key('fw-bouncer', 'bouncer');
  await c.add('192.0.2.1', '4h');
  await c.add('10.9.0.0/16', '2h', 'deceive');
  assert.deepEqual(values((await pull(bouncer1, true)).new), ['10.9.0.0/16', '192.0.2.1']);
});
after(async () => {
  await k?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('decisions: CLI and persistence', () => {
  it('picks up decisions made with the CLI while running', async () => {
    const id = kyokaCli(['decisions', 'add', '--value', '2001:db8::bad', '--duration', '1h', '--data', dataDir]).trim();
    const d = await until(async () => (await pull(bouncer1, false)).new, 'the CLI decision in a delta');
    assert.deepEqual(values(d), ['2001:db8::bad']);
    assert.equal(d[0]?.id, Number(id));
    assert.equal(d[0]?.origin, 'cscli');
    kyokaCli(['decisions', 'delete', '--id', id, '--data', dataDir]);
    const g = await until(async () => (await pull(bouncer1, false)).deleted, 'the CLI deletion in a delta');
    assert.deepEqual(values(g), ['2001:db8::bad']);
  });

  it('keeps decisions and bouncer positions across a restart', async () => {
    // the server's in-memory set follows the CLI's deletion within its poll interval
    const before = await until(async () => {
      const l = await lookup(bouncer1, '');
      return l?.length === 2 ? l : null;
    }, 'the live set without the CLI decision');
    await k.stop();
    k = await startKyoka({ dataDir, ingestKey: k.ingestKey });
    c = await client(k);
    assert.deepEqual(values(await lookup(bouncer1, '')), values(before));
    assert.deepEqual(await pull(bouncer1, false), { new: null, deleted: null }, 'position survived');
    const list = await fetch(`${k.url}/api/v1/decisions`, { headers: { authorization: `Bearer ${k.readKey}` } });
    assert.equal(list.status, 200);
    const body = (await list.json()) as { decisions: Array<{ value: string }> };
    assert.deepEqual(body.decisions.map((d) => d.value).sort(), values(before));
  });
});
