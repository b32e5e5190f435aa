/**
 * Durability: SIGKILL the server during a 100k-event ingest by a retrying client. After a
 * restart on the same data, every acknowledged event is stored, and exactly once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type Kyoka, searchUntil, startKyoka } from '../helpers/kyoka.ts';

const TOTAL = 100_000;
const BATCH = 1000;

describe('crash safety', () => {
  it('keeps every acknowledged event exactly once across SIGKILL', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kyoka-crash-'));
    let k: Kyoka = await startKyoka({ dataDir });
    const ingestKey = k.ingestKey;
    const readKey = k.readKey;
    const base = Date.now() - 60_000;
    let acked = 0;
    let retries = 0;
    let killed = false;
    try {
      const client = (async () => {
        for (let b = 0; b < TOTAL / BATCH; b++) {
          const body = Array.from({ length: BATCH }, (_, i) => {
            const n = b * BATCH + i;
            return JSON.stringify({
              id: `crash-${String(n).padStart(7, '0')}`,
              '@timestamp': new Date(base + n).toISOString(),
              event: { action: 'test.crash' },
              source: { ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` },
            });
          }).join('\n');
          for (;;) {
            try {
              const r = await fetch(`${k.url}/api/v1/events`, {
                method: 'POST',
                headers: { authorization: `Bearer ${ingestKey}` },
                body,
              });
              if (r.status === 200) {
                acked += BATCH;
                break;
              }
              await r.text();
            } catch {
              // server down: retry the same batch (same ids) until it is acknowledged
            }
            retries++;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      })();
      while (acked < TOTAL * 0.3) await new Promise((r) => setTimeout(r, 20));
      await k.kill();
      killed = true;
      const ackedAtKill = acked;
      k = await startKyoka({ dataDir, ingestKey });
      await client;
      assert.ok(ackedAtKill >= TOTAL * 0.3 && ackedAtKill < TOTAL, `killed mid-ingest (${ackedAtKill} acked)`);
      assert.ok(retries > 0, 'the client had to retry');
      const res = await searchUntil(
        k,
        readKey,
        { q: 'event.action:test.crash', limit: '1', from: String(base - 1000) },
        (x) => x.total >= TOTAL,
        20_000,
      );
      assert.equal(res.total, TOTAL, 'each acknowledged event stored exactly once');
      const top = await fetch(
        `${k.url}/api/v1/search/top?${new URLSearchParams({ field: 'id', q: 'event.action:test.crash', from: String(base - 1000), n: '1' })}`,
        {
          headers: { authorization: `Bearer ${readKey}` },
        },
      );
      const j = (await top.json()) as { buckets: Array<{ count: number }> };
      assert.equal(j.buckets[0]?.count, 1, 'no id stored twice');
    } finally {
      await k.stop();
      rmSync(dataDir, { recursive: true, force: true });
      assert.ok(killed);
    }
  });
});
