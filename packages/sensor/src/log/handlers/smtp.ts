/**
 * logging.handlers.SMTPHandler through nodemailer: mailhost (host or [host, port]), fromaddr,
 * toaddrs, subject, credentials [user, password], secure (present = STARTTLS, as Python does).
 * One mail per record, as OpenCanary sends; queued and bounded so SMTP latency never reaches a
 * service. The text part is the log line; the HTML part escapes every attacker-supplied value.
 * nodemailer is imported only when a config has this handler (~1 MB of heap otherwise).
 */
import type { Transporter } from 'nodemailer';
import type { OpenCanaryRecord } from '../format.ts';
import { BoundedQueue } from '../queue.ts';
import { htmlEscape } from './http.ts';
import type { Formatter, HandlerConfig, HandlerEnv, LogHandler } from './types.ts';

export function smtpHandler(name: string, c: HandlerConfig, fmt: Formatter, env: HandlerEnv): LogHandler {
  const [host, port] = Array.isArray(c.mailhost)
    ? [String(c.mailhost[0]), Number(c.mailhost[1])]
    : [String(c.mailhost), 25];
  const creds = Array.isArray(c.credentials) ? c.credentials.map(String) : null;
  const to = Array.isArray(c.toaddrs) ? c.toaddrs.map(String) : [String(c.toaddrs)];
  const secure = c.secure !== undefined && c.secure !== null;
  const transport: Promise<Transporter> = import('nodemailer').then(({ createTransport }) =>
    createTransport({
      host,
      port,
      secure: port === 465,
      requireTLS: secure && port !== 465,
      auth: creds ? { user: creds[0] ?? '', pass: creds[1] ?? '' } : undefined,
      connectionTimeout: 10_000,
      socketTimeout: 10_000,
      tls: { rejectUnauthorized: c.verify_tls !== false },
    }),
  );
  transport.catch(() => {}); // a failed import is reported by each send
  const q = new BoundedQueue<{ text: string; html: string }>(
    async ([m]) => {
      if (!m) return;
      await (await transport).sendMail({
        from: String(c.fromaddr),
        to,
        subject: String(c.subject ?? 'OpenCanary Alert'),
        ...m,
      });
    },
    {
      max: 500,
      onError: (err) => {
        env.count(`${name}_send_failed`);
        env.debug(`log handler ${name}: ${err}`);
      },
    },
  );
  return {
    name,
    handle(line, rec: OpenCanaryRecord) {
      const rows = Object.entries(rec)
        .map(
          ([k, v]) =>
            `<tr><th>${htmlEscape(k)}</th><td>${htmlEscape(typeof v === 'string' ? v : JSON.stringify(v))}</td></tr>`,
        )
        .join('');
      if (!q.push({ text: fmt(line), html: `<table>${rows}</table>` })) env.count(`${name}_dropped`);
    },
    stats: () => q.stats,
    async close() {
      await q.close();
      (await transport.catch(() => null))?.close();
    },
  };
}
