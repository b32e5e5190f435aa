/**
 * Hostile traffic against one real `kyoka sensor` process running every TCP service: per service
 * 200 connections of random bytes, truncated handshakes (half an SSH KEXINIT, half a TDS packet,
 * half a RESP array...), oversize input, slowloris clients (1 byte per second), then 1,000
 * parallel connections (500 when the fd limit is too low to raise). The process must not crash,
 * its RSS stays bounded, the per-source limit (kyoka.max_connections_per_source) refuses the
 * excess and is counted, and a genuine login attempt made afterwards is still logged. Counters and
 * status are read from the sensor's own heartbeats, sent to a stand-in management server.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KYOKA_BIN, ROOT } from '../helpers/kyoka.ts';

const SERVICES = [
  'ftp',
  'ssh',
  'telnet',
  'http',
  'https',
  'httpproxy',
  'mysql',
  'mssql',
  'mongodb',
  'redis',
  'git',
  'rdp',
  'vnc',
  'tcpbanner_1',
] as const;
const PER_SOURCE = 100;
const fdLimit = Number(spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim()) || 1024;
/** 1,000 parallel connections need ~1,000 fds here and as many in the sensor. */
const PARALLEL = fdLimit >= 2600 ? 1000 : 500;

const u32 = (n: number) => Buffer.from([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const le32 = (n: number) => Buffer.from([n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255]);

/** The first half of a real message of each protocol, then nothing. */
const TRUNCATED: Record<(typeof SERVICES)[number], Buffer[]> = {
  ftp: [Buffer.from('USER adm')],
  ssh: [Buffer.concat([Buffer.from('SSH-2.0-OpenSSH_9.6\r\n'), u32(1020), Buffer.from([10, 20]), randomBytes(120)])],
  telnet: [Buffer.from([255, 250, 24])], // IAC SB TERMINAL-TYPE, never IAC SE
  http: [Buffer.from('GET /index.html HTTP/1.1\r\nHost: x\r\nUser-Agent: half')],
  https: [
    Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]), randomBytes(40)]),
  ],
  httpproxy: [Buffer.from('CONNECT example.com:443 HTTP/1.1\r\nProxy-Authorization: Basic YWxp')],
  mysql: [Buffer.concat([Buffer.from([200, 0, 0, 1]), Buffer.from([0x85, 0xa6, 0xff, 0x01]), randomBytes(12)])],
  mssql: [Buffer.from([0x12, 0x01, 0x00, 0xc8, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1a, 0x00])], // PRELOGIN, 200 announced
  mongodb: [Buffer.concat([le32(1000), le32(1), le32(0), le32(2013), Buffer.from([0, 0, 0, 0])])],
  redis: [Buffer.from('*3\r\n$4\r\nAUTH\r\n$7\r\nhun')],
  git: [Buffer.from('00a0git-upload-pack /proj')],
  rdp: [Buffer.from([0x03, 0x00, 0x00, 0x2c, 0x27, 0xe0, 0x00])],
  vnc: [Buffer.from('RFB 003.0')],
  tcpbanner_1: [Buffer.from('hello')],
};

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, async () => {
      const s = createServer();
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
      return s;
    }),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

/** Connects, writes `chunks`, optionally half-closes, resolves on close (or after `holdMs`). */
function hit(port: number, chunks: Buffer[], o: { end?: boolean; holdMs?: number } = {}): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const done = () => {
      s.destroy();
      resolve();
    };
    s.on('error', done);
    s.on('close', done);
    s.on('data', () => {});
    s.once('connect', () => {
      for (const c of chunks) s.write(c);
      if (o.end !== false) s.end();
    });
    s.setTimeout(o.holdMs ?? 3000, done);
  });
}

async function pool<T>(items: T[], width: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (i < items.length) await fn(items[i++] as T);
    }),
  );
}

/** Opens `n` connections at once; returns how many the sensor kept open, then closes them all. */
async function parallel(port: number, n: number): Promise<number> {
  const socks: Socket[] = [];
  const results = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<boolean>((resolve) => {
          const s = connect(port, '127.0.0.1');
          socks.push(s);
          s.on('error', () => resolve(false));
          s.on('close', () => resolve(false));
          s.on('data', () => {});
          // still open after the listener had time to refuse it: kept
          s.once('connect', () => setTimeout(() => resolve(!s.destroyed), 1500));
        }),
    ),
  );
  for (const s of socks) s.destroy();
  return results.filter(Boolean).length;
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

function ftpLogin(port: number, user: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let buf = '';
    s.setEncoding('latin1');
    s.on('data', (d) => {
      buf += d;
      if (/^220 /m.test(buf) && !buf.includes('USER')) {
        buf += 'USER';
        s.write(`USER ${user}\r\nPASS s3cret\r\n`);
      }
      if (/^530 /m.test(buf)) s.end();
    });
    s.on('error', () => resolve(buf));
    s.on('close', () => resolve(buf));
    s.setTimeout(10_000, () => s.destroy());
  });
}

test('robustness: hostile traffic on every TCP service, one sensor process', { timeout: 150_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kyoka-robust-'));
  const beats: Array<{ services: Array<{ name: string; status: string }>; counters: Record<string, number> }> = [];
  const mgmt = createHttpServer((req, res) => {
    let b = '';
    req.on('data', (d) => {
      if (b.length < 1_000_000) b += d;
    });
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/api/v1/sensors/heartbeat') {
        try {
          const j = JSON.parse(b);
          beats.push({ services: j.services, counters: j.stats?.counters ?? {} });
        } catch {}
        return res.end('{"config_version":0,"conf":null}');
      }
      res.end('{}'); // event shipments
    });
  });
  await new Promise<void>((r) => mgmt.listen(0, '127.0.0.1', r));
  const ports = await freePorts(SERVICES.length);
  const portOf = Object.fromEntries(SERVICES.map((s, i) => [s, ports[i] as number])) as Record<string, number>;
  const log = join(dir, 'opencanary.log');
  const conf: Record<string, unknown> = {
    'device.node_id': 'robust-1',
    'device.listen_addr': '127.0.0.1',
    'kyoka.state_dir': join(dir, 'state'),
    'kyoka.server_url': `http://127.0.0.1:${(mgmt.address() as AddressInfo).port}`,
    'kyoka.api_key': 'kyk_test_robustness',
    'kyoka.heartbeat_seconds': 1,
    'kyoka.max_connections_per_source': PER_SOURCE,
    logger: { class: 'PyLogger', kwargs: { handlers: { file: { class: 'logging.FileHandler', filename: log } } } },
  };
  for (const s of SERVICES) Object.assign(conf, { [`${s}.enabled`]: true, [`${s}.port`]: portOf[s] });
  writeFileSync(join(dir, 'opencanary.conf'), JSON.stringify(conf));

  let out = '';
  // raise the sensor's fd limit for the parallel phase (the hard limit allows it here)
  const sensor: ChildProcess = spawn(
    'sh',
    [
      '-c',
      `ulimit -n ${Math.max(fdLimit, 4096)} 2>/dev/null; exec "$0" "$@"`,
      process.execPath,
      KYOKA_BIN,
      'sensor',
      '--config',
      join(dir, 'opencanary.conf'),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  sensor.stdout?.on('data', (d) => (out += d));
  sensor.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => sensor.once('exit', (c) => r(c)));
  const pid = sensor.pid as number;
  const rss: number[] = [];
  const sample = setInterval(() => {
    try {
      rss.push(rssKb(pid));
    } catch {}
  }, 250);
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`sensor did not start:\n${out}`)), 60_000);
      const check = () => {
        if (/service\(s\) running/.test(out)) {
          clearTimeout(t);
          resolve();
        }
      };
      sensor.stdout?.on('data', check);
      sensor.stderr?.on('data', check);
      void exited.then((c) => reject(new Error(`sensor exited ${c}:\n${out}`)));
    });
    assert.match(out, new RegExp(`${SERVICES.length} service\\(s\\) running`), out);
    const baseRss = rssKb(pid);

    // 1. random bytes, truncated handshakes and oversize input, all services at once
    const started = Date.now();
    const jobs: Array<[number, Buffer[]]> = [];
    for (const s of SERVICES) {
      for (let i = 0; i < 200; i++) jobs.push([portOf[s] as number, [randomBytes(1 + ((i * 37) % 2048))]]);
      for (const half of TRUNCATED[s]) jobs.push([portOf[s] as number, [half]]);
      jobs.push([portOf[s] as number, [randomBytes(70 * 1024)]]);
    }
    // slowloris: one byte a second on every service while the rest goes on
    const slow = SERVICES.map(
      (s) =>
        new Promise<boolean>((resolve) => {
          const sock = connect(portOf[s] as number, '127.0.0.1');
          let sent = 0;
          const tick = setInterval(() => {
            if (sent++ >= 5) {
              clearInterval(tick);
              resolve(!sock.destroyed);
              sock.destroy();
            } else sock.write('A');
          }, 1000);
          sock.on('error', () => {});
          sock.on('data', () => {});
        }),
    );
    await pool(jobs, 60, ([port, chunks]) => hit(port, chunks, { end: false, holdMs: 1500 }));
    await Promise.all(slow);
    const hostileMs = Date.now() - started;

    // 2. parallel connections, one service at a time: the per-source limit keeps PER_SOURCE
    const kept: Record<string, number> = {};
    for (const s of SERVICES) kept[s] = await parallel(portOf[s] as number, PARALLEL);
    for (const s of SERVICES) assert.ok((kept[s] as number) <= PER_SOURCE, `${s} kept ${kept[s]} > ${PER_SOURCE}`);
    assert.equal(sensor.exitCode, null, `the sensor died:\n${out}`);

    // 3. a genuine login attempt afterwards is still logged
    assert.match(await ftpLogin(portOf.ftp as number, 'after-the-storm'), /^530 /m);
    const attempt = readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((r) => r.logtype === 2000 && r.logdata.USERNAME === 'after-the-storm');
    assert.deepEqual(attempt?.logdata, { USERNAME: 'after-the-storm', PASSWORD: 's3cret' });

    // 4. counters and status, from a heartbeat sent after the flood
    const n = beats.length;
    const deadline = Date.now() + 10_000;
    while (beats.length < n + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const last = beats.at(-1);
    assert.ok(last, 'no heartbeat');
    for (const s of SERVICES) {
      assert.equal(last.services.find((x) => x.name === s)?.status, 'running', s);
      assert.ok((last.counters[`${s}.connection_limit`] ?? 0) > 0, `${s}.connection_limit not counted`);
    }
    const peak = Math.max(...rss);
    console.error(
      `robustness: ${jobs.length} hostile connections in ${hostileMs} ms, ${PARALLEL} parallel per service ` +
        `(fd limit ${fdLimit}), kept per service ${JSON.stringify(kept)}; RSS base ${baseRss} kB, peak ${peak} kB, ` +
        `end ${rssKb(pid)} kB; counters ${JSON.stringify(last.counters)}`,
    );
    assert.ok(peak < 600 * 1024, `RSS peaked at ${peak} kB`);
  } finally {
    clearInterval(sample);
    if (sensor.exitCode === null) sensor.kill('SIGKILL');
    await exited;
    await new Promise<void>((r) => mgmt.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
});
