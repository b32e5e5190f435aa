/**
 * The SMTP log handler against a real SMTP server (smtp-server): one mail per record, the log
 * line as text, attacker values escaped in the HTML part; nodemailer is loaded lazily, so a
 * failing transport is counted, never thrown into a service.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import type { OpenCanaryRecord } from '../format.ts';
import { smtpHandler } from './smtp.ts';

const REC = { logtype: 4002, logdata: { USERNAME: '<b>root</b>' } } as unknown as OpenCanaryRecord;

test('smtp handler: one mail per record, text is the line, HTML escapes attacker data', async () => {
  const mails: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, done) {
      let raw = '';
      stream.on('data', (b: Buffer) => {
        raw += b.toString('utf8');
      });
      stream.on('end', () => {
        mails.push(raw);
        done();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as AddressInfo).port;
  const counted: string[] = [];
  const h = smtpHandler(
    'mail',
    { mailhost: ['127.0.0.1', port], fromaddr: 'canary@example.org', toaddrs: ['soc@example.org'], subject: 'Alert' },
    (line) => `canary: ${line}`,
    { count: (w) => counted.push(w), debug: () => {}, stateDir: '' },
  );
  try {
    h.handle('{"logtype": 4002}', REC);
    for (let i = 0; i < 100 && mails.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(mails.length, 1);
    const mail = mails[0]!;
    assert.match(mail, /Subject: Alert/);
    assert.match(mail, /canary: \{"logtype": 4002\}/);
    assert.match(mail, /&lt;b&gt;root&lt;\/b&gt;/);
    assert.ok(!mail.includes('<b>root</b>'));
    assert.deepEqual(counted, []);
  } finally {
    await h.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('smtp handler: an unreachable mail host is counted as a send failure', async () => {
  const counted: string[] = [];
  const h = smtpHandler(
    'mail',
    { mailhost: ['127.0.0.1', 1], fromaddr: 'canary@example.org', toaddrs: 'soc@example.org' },
    (line) => line,
    { count: (w) => counted.push(w), debug: () => {}, stateDir: '' },
  );
  h.handle('{}', REC);
  for (let i = 0; i < 100 && counted.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(counted, ['mail_send_failed']);
  await h.close();
});
