/**
 * bench/ingest: events per CPU-second of the server process and its peak RSS, for HTTP NDJSON
 * batches and syslog over TCP, into SQLite and PostgreSQL. The server is a real `kyoka start`
 * process started as users start it, through the `kyoka` launcher (packages/cli/bin/kyoka, with
 * its node flags; --no-launcher: plain `node kyoka.js`); CPU is read from /proc before and after
 * each run (the load generator is excluded).
 *
 *   node --import tsx bench/ingest/run.ts [--events 1000000] [--backends sqlite,postgres] [--modes http,syslog]
 *     [--node-args='--cpu-prof ...'] [--no-launcher]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Kyoka, startKyoka } from '../../test/helpers/kyoka.ts';
import { startPostgres } from '../../test/helpers/pg.ts';
import { benchEventLine, USERS } from '../synthetic.ts';
import { cpuSeconds, peakRssMb, table } from './proc-stats.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    backends: { type: 'string', default: 'sqlite,postgres' },
    modes: { type: 'string', default: 'http,syslog' },
    batch: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '4' },
    'node-args': { type: 'string', default: '' },
    /** Start the server with plain `node kyoka.js` instead of the `kyoka` launcher and its flags. */
    'no-launcher': { type: 'boolean', default: false },
  },
});
const N = Number(values.events);
const BATCH = Number(values.batch);
const CONC = Number(values.concurrency);

function syslogLine(i: number): string {
  const ts = new Date().toISOString();
  return `<38>1 ${ts} bench sshd ${1000 + (i % 5000)} - - Failed password for invalid user ${USERS[i % 8]} from 198.51.${(i >> 8) & 255}.${i & 255} port ${1024 + (i % 60000)} ssh2\n`;
}

async function storedCount(k: Kyoka, q: string): Promise<number> {
  const r = await fetch(
    `${k.url}/api/v1/search?${new URLSearchParams({ q, limit: '1', from: 'now-2d', to: 'now+1d' })}`,
    {
      headers: { authorization: `Bearer ${k.readKey}` },
    },
  );
  return ((await r.json()) as { total: number }).total;
}

async function benchHttp(k: Kyoka): Promise<void> {
  const t0 = Date.now() - 3_600_000;
  const batches: string[] = [];
  for (let b = 0; b < N / BATCH; b++) {
    const lines: string[] = [];
    for (let i = 0; i < BATCH; i++) lines.push(benchEventLine(b * BATCH + i, t0 + b * BATCH + i));
    batches.push(lines.join('\n'));
  }
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const body = batches[next++] as string;
      const r = await fetch(`${k.url}/api/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${k.ingestKey}`, 'content-type': 'application/x-ndjson' },
        body,
      });
      if (r.status !== 200) throw new Error(`ingest answered ${r.status}: ${await r.text()}`);
      await r.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: CONC }, worker));
}

async function benchSyslog(k: Kyoka): Promise<void> {
  const per = Math.ceil(N / CONC);
  await Promise.all(
    Array.from(
      { length: CONC },
      (_, c) =>
        new Promise<void>((resolve, reject) => {
          const s = net.connect(k.syslogTcpPort, '127.0.0.1', async () => {
            const start = c * per;
            const end = Math.min(N, start + per);
            for (let i = start; i < end; i += 1000) {
              let chunk = '';
              for (let j = i; j < Math.min(end, i + 1000); j++) chunk += syslogLine(j);
              if (!s.write(chunk)) await new Promise((r) => s.once('drain', r));
            }
            s.end(() => resolve());
          });
          s.on('error', reject);
        }),
    ),
  );
  // Syslog has no acknowledgement: wait until all were accepted and the queue is empty, reading
  // /metrics (a search per poll would cost the server more CPU than what is measured).
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    const m = await (await fetch(`${k.url}/metrics`, { headers: { authorization: `Bearer ${k.readKey}` } })).text();
    const accepted = Number(/kyoka_ingest_events_total\{source="syslog"\} (\d+)/.exec(m)?.[1] ?? 0);
    const depth = Number(/kyoka_ingest_queue_depth (\d+)/.exec(m)?.[1] ?? 1);
    if (accepted >= N && depth === 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
}

const HEAD = [
  'store',
  'input',
  'sent',
  'stored',
  'wall s',
  'server CPU s',
  'events / CPU-s',
  'events / s',
  'peak RSS MB',
];
const rows: Array<Array<string | number>> = [];
for (const backend of values.backends.split(',')) {
  let pgh: Awaited<ReturnType<typeof startPostgres>> = null;
  const env: Record<string, string> = {};
  if (backend === 'postgres') {
    pgh = await startPostgres();
    if (!pgh) {
      console.error('PostgreSQL binaries not found: skipping the postgres rows');
      continue;
    }
  }
  for (const mode of values.modes.split(',')) {
    const dataDir = mkdtempSync(join(tmpdir(), 'kyoka-bench-'));
    if (pgh) {
      // a fresh database per run, so both modes start empty
      const db = `bench_${randomBytes(4).toString('hex')}`;
      const { default: pg } = await import('pg');
      const c = new pg.Client({ connectionString: pgh.url });
      await c.connect();
      await c.query(`CREATE DATABASE ${db}`);
      await c.end();
      env.KYOKA_DB = pgh.url.replace(/\/[^/]*$/, `/${db}`);
    } else delete env.KYOKA_DB;
    const k = await startKyoka({
      dataDir,
      env: { ...env, KYOKA_LOG_LEVEL: 'warn' },
      nodeArgs: values['node-args'].split(' ').filter(Boolean),
      launcher: !values['no-launcher'],
    });
    const pid = k.proc.pid as number;
    try {
      const cpu0 = cpuSeconds(pid);
      const w0 = Date.now();
      if (mode === 'http') await benchHttp(k);
      else await benchSyslog(k);
      const wall = (Date.now() - w0) / 1000;
      const cpu = cpuSeconds(pid) - cpu0;
      const stored = await storedCount(k, mode === 'http' ? 'event.dataset:bench' : 'event.dataset:sshd');
      rows.push([backend, mode, N, stored, wall, cpu, N / cpu, N / wall, peakRssMb(pid)]);
      console.error(`done: ${table(HEAD, [rows[rows.length - 1] as Array<string | number>]).split('\n')[2]}`);
    } finally {
      await k.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  await pgh?.stop();
}

console.log(
  `\nbench/ingest: ${N.toLocaleString('en-US')} events per run, HTTP batches of ${BATCH} over ${CONC} connections, syslog over ${CONC} TCP connections\n`,
);
console.log(
  table(
    ['store', 'input', 'sent', 'stored', 'wall s', 'server CPU s', 'events / CPU-s', 'events / s', 'peak RSS MB'],
    rows,
  ),
);
