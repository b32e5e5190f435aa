/** MSSQL honeypot driven by a raw TDS client: PRELOGIN reply, LOGIN7 records, exact error tokens. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startService } from '../../testing/harness.ts';
import { factory } from './index.ts';
import { deobfuscate, loginError } from './tds.ts';

function obfuscate(s: string): Buffer {
  const b = Buffer.from(s, 'utf16le');
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    b[i] = (((c & 0x0f) << 4) | (c >> 4)) ^ 0xa5;
  }
  return b;
}

function packet(type: number, payload: Buffer, eom = true): Buffer {
  const h = Buffer.from([type, eom ? 1 : 0, 0, 0, 0, 0, 1, 0]);
  h.writeUInt16BE(payload.length + 8, 2);
  return Buffer.concat([h, payload]);
}

/** A LOGIN7 as a driver builds it (TDS 7.4). */
function login7(f: Record<string, string>, integrated = false): Buffer {
  const order = ['HostName', 'UserName', 'Password', 'AppName', 'ServerName', '', 'CltIntName', 'Language', 'Database'];
  const fixed = Buffer.alloc(94);
  fixed.writeUInt32LE(0x74000004, 4);
  fixed.writeUInt32LE(4096, 8);
  fixed[25] = integrated ? 0x80 : 0;
  const data: Buffer[] = [];
  let off = 94;
  order.forEach((name, i) => {
    const v = name ? (f[name] ?? '') : '';
    const b = name === 'Password' ? obfuscate(v) : Buffer.from(v, 'utf16le');
    fixed.writeUInt16LE(off, 36 + i * 4);
    fixed.writeUInt16LE(v.length, 38 + i * 4);
    data.push(b);
    off += b.length;
  });
  fixed.writeUInt16LE(off, 78);
  const all = Buffer.concat([fixed, ...data]);
  all.writeUInt32LE(all.length, 0);
  return all;
}

/** Reads exactly one TDS packet. */
function readPacket(s: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let acc = Buffer.alloc(0);
    const on = (d: Buffer) => {
      acc = Buffer.concat([acc, d]);
      if (acc.length >= 8 && acc.length >= acc.readUInt16BE(2)) {
        s.off('data', on);
        resolve(acc);
      }
    };
    s.on('data', on);
    s.once('error', reject);
  });
}

const PRELOGIN = Buffer.from('0000100006010016000102001700010300180000ff0c00000000000000000000', 'hex');
const FIELDS = {
  HostName: 'WS-042',
  UserName: 'sa',
  Password: 'P@ssw0rd!é',
  AppName: 'sqlcmd',
  ServerName: '10.0.0.5',
  Language: 'us_english',
  Database: 'master',
  CltIntName: 'ODBC',
};

describe('mssql honeypot', () => {
  let svc: Awaited<ReturnType<typeof startService>>;
  let port = 0;
  before(async () => {
    svc = await startService(factory, { 'mssql.port': 0, 'mssql.version': '2019' });
    port = svc.service.ports[0]!.port;
  });
  after(() => svc.stop());

  it('de-obfuscation inverts the client obfuscation', () => {
    assert.equal(deobfuscate(obfuscate('s3cr3t-ü')), 's3cr3t-ü');
  });

  it('PRELOGIN reply carries the configured version; LOGIN7 (split over 2 packets) -> 9001 and error 18456', async () => {
    const s = connect(port, '127.0.0.1');
    s.write(packet(0x12, PRELOGIN));
    const pre = await readPacket(s);
    assert.deepEqual(
      pre.toString('hex'),
      '0401002b00000100' +
        '00001a0006' +
        '0100200001' +
        '0200210001' +
        '0300220000' +
        '0400220001' +
        'ff' +
        '0f0011210000' +
        '020000',
    );
    const login = login7(FIELDS);
    const n = svc.h.records.length;
    s.write(packet(0x10, login.subarray(0, 50), false));
    s.write(packet(0x10, login.subarray(50)));
    const resp = await readPacket(s);
    const rec = svc.h.records[n]!;
    assert.equal(rec.logtype, 9001);
    assert.deepEqual(rec.logdata, FIELDS);
    assert.equal(resp[0], 0x04);
    assert.deepEqual(resp.subarray(8), loginError(18456, "Login failed for user 'sa'.", 'SQL01'));
    s.destroy();
  });

  it('integrated auth (SSPI) -> 9002 and error 18452', async () => {
    const s = connect(port, '127.0.0.1');
    const n = svc.h.records.length;
    s.write(packet(0x10, login7({ HostName: 'WS-042' }, true)));
    const resp = await readPacket(s);
    assert.deepEqual(svc.h.records[n]!.logtype, 9002);
    assert.deepEqual(svc.h.records[n]!.logdata, { USERNAME: '', PASSWORD: '' });
    assert.equal(resp.readInt32LE(8 + 3), 18452);
    s.destroy();
  });

  it('garbage and truncated LOGIN7 close the connection and are counted', async () => {
    for (const bytes of [packet(0x10, Buffer.alloc(20)), Buffer.from('GET / HTTP/1.0\r\n\r\n')]) {
      await new Promise<void>((resolve) => {
        const s = connect(port, '127.0.0.1', () => s.write(bytes));
        s.on('close', () => resolve());
        s.on('error', () => {});
      });
    }
    assert.equal(svc.h.counts.get('mssql:malformed'), 1);
    assert.equal(svc.h.counts.get('mssql:unexpected_packet'), 1);
  });

  it('python3 pymssql / impacket if installed', async (t) => {
    try {
      execFileSync('python3', ['-c', 'import impacket'], { stdio: 'ignore' });
    } catch {
      t.skip('neither pymssql nor impacket is installed');
      return;
    }
    const out = execFileSync('python3', [
      '-c',
      `from impacket import tds\nc=tds.MSSQL('127.0.0.1',${port})\nc.connect()\nprint(c.login(None,'sa','Winter2024'))`,
    ]).toString();
    assert.match(out, /False/);
    assert.deepEqual(svc.h.records.at(-1)!.logdata.Password, 'Winter2024');
  });
});
