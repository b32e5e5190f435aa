/**
 * The two notifiers: email over SMTP (nodemailer) and a generic JSON webhook (fetch). Both
 * implement one Sender interface so tests and future channels plug in the same way.
 */
import nodemailer from 'nodemailer';
import { type Notice, renderHtml, renderText, subjectOf, webhookBody } from './render.ts';

export interface EmailConfig {
  host: string;
  port: number;
  secure: boolean;
  auth?: { user: string; pass: string } | null;
  from: string;
  to: string[];
  /** Accept self-signed server certificates (default false). */
  tls_insecure?: boolean;
}

export interface WebhookConfig {
  url: string;
  method: 'POST' | 'PUT';
  headers: Record<string, string>;
}

export type ChannelType = 'email' | 'webhook';

export interface Sender {
  send(config: unknown, notice: Notice): Promise<void>;
}

export const emailSender: Sender = {
  async send(config, notice) {
    const c = config as EmailConfig;
    const transport = nodemailer.createTransport({
      host: c.host,
      port: c.port,
      secure: c.secure,
      auth: c.auth?.user ? { user: c.auth.user, pass: c.auth.pass } : undefined,
      tls: c.tls_insecure ? { rejectUnauthorized: false } : undefined,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
    try {
      await transport.sendMail({
        from: c.from,
        to: c.to,
        subject: subjectOf(notice),
        text: renderText(notice),
        html: renderHtml(notice),
        headers: { 'X-Kyoka-Notice': notice.reason },
      });
    } finally {
      transport.close();
    }
  },
};

export const webhookSender: Sender = {
  async send(config, notice) {
    const c = config as WebhookConfig;
    const res = await fetch(c.url, {
      method: c.method,
      headers: { ...c.headers, 'content-type': 'application/json', 'user-agent': 'kyoka-notifier' },
      body: JSON.stringify(webhookBody(notice)),
      redirect: 'error',
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new Error(`webhook answered HTTP ${res.status}`);
  },
};

export const DEFAULT_SENDERS: Record<ChannelType, Sender> = { email: emailSender, webhook: webhookSender };
