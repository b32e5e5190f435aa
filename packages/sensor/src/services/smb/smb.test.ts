import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startService } from '../../testing/harness.ts';
import { factory } from './index.ts';
import { parseAuditLine } from './parse.ts';

const line = (file: string, user = 'guest') =>
  `Mar 14 10:02:11 nas01 smbd_audit: ${user}|10.0.0.66|10.0.0.5|kali|myshare|SRV01|SMB3_11|Samba|2025/03/14 10:02:11|WORKGROUP|pread|ok|${file}\n`;

test('smb: full_audit lines become 5000 records; rotation and oversize lines are handled', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kyoka-smb-'));
  const file = join(dir, 'samba-audit.log');
  writeFileSync(file, line('old.txt')); // written before start: skipped, as OpenCanary starts at the end
  const { h, stop } = await startService(factory, { 'smb.auditfile': file, 'smb.poll_ms': 10 });
  try {
    appendFileSync(file, `Mar 14 10:02:11 nas01 cron[1]: unrelated\n${'x'.repeat(20000)}\n`);
    appendFileSync(file, line('Finance/Q1 Budget.txt', ''));
    const r = await h.waitFor((x) => x.logtype === 5000);
    assert.deepEqual(r.conn, { src_host: '10.0.0.66', src_port: '-1', dst_host: '10.0.0.5', dst_port: 445 });
    assert.deepEqual(r.logdata, {
      USER: 'anonymous',
      REMOTENAME: 'kali',
      SHARENAME: 'myshare',
      LOCALNAME: 'SRV01',
      SMBVER: 'SMB3_11',
      SMBARCH: 'Samba',
      DOMAIN: 'WORKGROUP',
      AUDITACTION: 'pread',
      STATUS: 'ok',
      FILENAME: 'Finance/Q1 Budget.txt',
    });
    assert.equal(h.counts.get('smb:oversize'), 1);
    // Rotation: the last line of the old file is still read, then the new file from its start.
    appendFileSync(file, line('before-rotate.txt'));
    renameSync(file, `${file}.1`);
    writeFileSync(file, line('after-rotate.txt'));
    await h.waitFor((x) => x.logdata.FILENAME === 'after-rotate.txt');
    const names = h.records.map((x) => x.logdata.FILENAME);
    assert.deepEqual(names, ['Finance/Q1 Budget.txt', 'before-rotate.txt', 'after-rotate.txt']);
  } finally {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('smb: short audit prefixes and junk', () => {
  const r = parseAuditLine('Jan 1 00:00:00 h smbd_audit: bob|192.168.1.9|laptop|public|openat|ok|r|secret.docx');
  assert.deepEqual(r?.conn, { src_host: '192.168.1.9', src_port: '-1', dst_host: '', dst_port: 445 });
  assert.equal(r?.logdata.AUDITACTION, 'openat');
  assert.equal(r?.logdata.SHARENAME, 'public');
  assert.equal(r?.logdata.REMOTENAME, 'laptop');
  assert.equal(r?.logdata.FILENAME, 'secret.docx');
  assert.equal(parseAuditLine('smbd_audit: a|b'), null);
  assert.equal(parseAuditLine('no marker here'), null);
});
