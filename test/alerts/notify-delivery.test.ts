/**
 * Notifications delivered for real: an alert whose attacker chose a `<script>` user name with a
 * CR/LF header-injection attempt is mailed through nodemailer to a real SMTP server (smtp-server
 * on loopback) and posted to a local HTTP webhook. The raw message is parsed minimally (headers,
 * multipart parts, quoted-printable/base64) and checked: the HTML part carries the payload
 * escaped, no injected header exists, and the webhook body is JSON with the exact payload.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { normalizeEvent } from '@kyoka/core';
import { SMTPServer } from 'smtp-server';
import { AlertService } from '../../packages/server/src/alerts/service.ts';
import { tempAlertDb } from '../../packages/server/src/alerts/test-db.ts';

const XSS = '<script>alert("pwn")</script>\r\nBcc: victim@example.org\r\nX-Injected: yes';

interface Mail {
  from: string;
  to: string[];
  raw: string;
}

function splitHeaders(raw: string): { headers: Map<string, string>; body: string; names: string[] } {
  const i = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, i).replace(/\r\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  const names: string[] = [];
  for (const line of head.split('\r\n')) {
    const c = line.indexOf(':');
    const name = line.slice(0, c).toLowerCase();
    names.push(name);
    headers.set(name, line.slice(c + 1).trim());
  }
  return { headers, body: raw.slice(i + 4), names };
}

function decodeBody(body: string, cte: string | undefined): string {
  if (cte?.toLowerCase() === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (cte?.toLowerCase() === 'quoted-printable') {
    const bytes = body
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/** text/plain and text/html parts of a (possibly nested) multipart message. */
function parts(raw: string): Record<string, string> {
  const { headers, body } = splitHeaders(raw);
  const ct = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(ct)?.[1];
  if (ct.startsWith('multipart/') && boundary) {
    const out: Record<string, string> = {};
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      Object.assign(out, parts(chunk.replace(/^\r\n/, '')));
    }
    return out;
  }
  return { [ct.split(';')[0] as string]: decodeBody(body, headers.get('content-transfer-encoding')) };
}

/** RFC 2047 encoded words in a header value. */
function decodeWords(v: string): string {
  return v.replace(/=\?utf-8\?([BQ])\?([^?]*)\?=\s*/gi, (_, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(
          text
            .replace(/_/g, ' ')
            .replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
          'latin1',
        ).toString('utf8'),
  );
}

describe('notification delivery: SMTP and webhook', () => {
  let t: Awaited<ReturnType<typeof tempAlertDb>>;
  let svc: AlertService;
  let smtp: SMTPServer;
  let smtpPort: number;
  let http: Server;
  let httpPort: number;
  const mails: Mail[] = [];
  const hooks: Array<{ method: string; headers: Record<string, unknown>; body: string }> = [];
  let eventId: string;

  before(async () => {
    t = await tempAlertDb();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          cb();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
    smtpPort = (smtp.server.address() as AddressInfo).port;
    http = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        hooks.push({ method: req.method ?? '', headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    httpPort = (http.address() as AddressInfo).port;

    // The attacker's honeypot login, stored like any event.
    const ev = normalizeEvent(
      {
        event: { action: 'ssh.login_attempt', dataset: 'opencanary', outcome: 'failure' },
        source: { ip: '203.0.113.66', port: 40000 },
        user: { name: XSS },
        observer: { name: 'dmz-canary' },
      },
      { receivedAt: Date.now(), source: 'test' },
    );
    await t.store.events.insert([ev]);
    eventId = ev.id;
    svc = new AlertService({ db: t.db, loadEvent: (id) => t.store.events.get(id), retryDelaysMs: [50] });
    await svc.start();
  });
  after(async () => {
    svc.close();
    await t.close();
    await new Promise<void>((r) => smtp.close(() => r()));
    await new Promise<void>((r) => http.close(() => r()));
  });

  it('mails the alert with attacker text escaped and no header injection', async () => {
    await svc.createChannel({
      name: 'soc-mail',
      type: 'email',
      config: { host: '127.0.0.1', port: smtpPort, secure: false, from: 'kyoka@example.org', to: ['soc@example.org'] },
    });
    await svc.createChannel({
      name: 'hook',
      type: 'webhook',
      config: { url: `http://127.0.0.1:${httpPort}/hook`, method: 'POST', headers: { 'X-Token': 't0k' } },
    });
    const { created } = await svc.raise({
      rule: { id: 'honeypot-login', title: 'Honeypot login', severity: 'high', tags: ['attack.t1110'] },
      key: `203.0.113.66|${XSS}`,
      group: { 'source.ip': '203.0.113.66', 'user.name': XSS },
      count: 1,
      events: [eventId],
      first: new Date().toISOString(),
      last: new Date().toISOString(),
    });
    assert.equal(created, true);
    await svc.idle();
    assert.equal(svc.dispatcher.stats.failed, 0);

    assert.equal(mails.length, 1);
    const m = mails[0] as Mail;
    assert.deepEqual(m.to, ['soc@example.org'], 'no Bcc smuggled into the envelope');
    const { headers, names } = splitHeaders(m.raw);
    assert.ok(!names.includes('bcc'), 'no Bcc header');
    assert.ok(!names.includes('x-injected'), 'no injected header');
    const subject = decodeWords(headers.get('subject') ?? '');
    assert.match(subject, /Honeypot login/);
    assert.ok(!/[\r\n]/.test(subject));
    const p = parts(m.raw);
    const html = p['text/html'] ?? '';
    assert.ok(html.includes('&lt;script&gt;alert(&quot;pwn&quot;)&lt;/script&gt;'), html);
    assert.ok(!html.includes('<script'), 'no live script tag');
    const text = p['text/plain'] ?? '';
    assert.ok(text.includes('<script>alert("pwn")</script>'), 'plain text shows the text as is');
    assert.ok(!/^(Bcc|X-Injected):/m.test(text), 'payload stays on one line');
    assert.match(text, /Event observer\.name: dmz-canary/, 'sample event fields are included');

    assert.equal(hooks.length, 1);
    const h = hooks[0] as (typeof hooks)[number];
    assert.equal(h.method, 'POST');
    assert.equal(h.headers['x-token'], 't0k');
    assert.equal(h.headers['content-type'], 'application/json');
    const body = JSON.parse(h.body);
    assert.equal(body.alert.group['user.name'], XSS);
    assert.equal(body.event['user.name'], XSS);
  });

  it('test send reports delivery; a dead webhook is retried then counted as failed', async () => {
    const dead = await svc.createChannel({
      name: 'dead',
      type: 'webhook',
      config: { url: `http://127.0.0.1:${httpPort}/`, method: 'POST' },
      filter: { rules: ['none-*'] },
    });
    const chans = await svc.listChannels();
    const mail = chans.find((c) => c.name === 'soc-mail');
    await svc.testChannel(mail?.id as string);
    assert.equal(mails.length, 2);
    assert.match(decodeWords(splitHeaders(mails[1]?.raw ?? '').headers.get('subject') ?? ''), /Test notification/);
    await svc.updateChannel(dead.id, {
      name: 'dead',
      type: 'webhook',
      config: { url: 'http://127.0.0.1:1/', method: 'POST' },
      filter: { rules: ['none-*'] },
    });
    await assert.rejects(svc.testChannel(dead.id));
    await svc.raise({
      rule: { id: 'none-x', title: 'x', severity: 'low' },
      key: 'k',
      group: { 'source.ip': '192.0.2.1' },
      count: 1,
      events: [],
      first: new Date().toISOString(),
      last: new Date().toISOString(),
    });
    await svc.idle();
    assert.equal(svc.dispatcher.stats.failed, 1);
    assert.equal(svc.dispatcher.stats.retried >= 1, true);
  });
});
