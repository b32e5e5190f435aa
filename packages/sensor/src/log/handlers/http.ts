/**
 * OpenCanary's HTTP alert handlers: WebhookHandler (url, method, data template with %(message)s,
 * status_code, ignore list, headers), SlackHandler and TeamsHandler (webhook_url). Each sends
 * through its own bounded queue with a request timeout, so a slow endpoint never delays a service.
 * Attacker text is escaped for the medium: JSON-encoded in webhook bodies, Slack's &<> escapes,
 * HTML entities in Teams cards.
 */
import type { OpenCanaryRecord } from '../format.ts';
import { BoundedQueue } from '../queue.ts';
import type { Formatter, HandlerConfig, HandlerEnv, LogHandler } from './types.ts';

const TIMEOUT_MS = 10_000;

interface Req {
  url: string;
  method: string;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
  expect?: number;
}

function httpQueue(name: string, env: HandlerEnv) {
  return new BoundedQueue<Req>(
    async ([r]) => {
      if (!r) return;
      const res = await fetch(r.url, {
        method: r.method,
        body: r.method === 'GET' || r.method === 'HEAD' ? undefined : r.body,
        headers: { 'content-type': r.contentType, ...r.headers },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (r.expect !== undefined ? res.status !== r.expect : res.status >= 300) {
        env.count(`${name}_bad_status`);
        env.debug(`log handler ${name}: ${r.url} answered ${res.status}`);
      }
    },
    {
      max: 1000,
      onError: (err) => {
        env.count(`${name}_send_failed`);
        env.debug(`log handler ${name}: ${err}`);
      },
    },
  );
}

/** OpenCanary's map_string: `%(message)s` substituted in every string of the template. */
function mapTemplate(v: unknown, message: string): unknown {
  if (typeof v === 'string') return v.replaceAll('%(message)s', message);
  if (Array.isArray(v)) return v.map((x) => mapTemplate(x, message));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapTemplate(x, message)]));
  return v;
}

function strHeaders(h: unknown): Record<string, string> | undefined {
  if (!h || typeof h !== 'object') return undefined;
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, String(v)]));
}

export function webhookHandler(name: string, c: HandlerConfig, fmt: Formatter, env: HandlerEnv): LogHandler {
  const q = httpQueue(name, env);
  const ignore = Array.isArray(c.ignore) ? c.ignore.map(String) : [];
  const method = String(c.method ?? 'POST').toUpperCase();
  const expect = Number(c.status_code ?? 200);
  const headers = strHeaders(c.headers);
  return {
    name,
    handle(line) {
      const message = fmt(line);
      if (ignore.some((s) => message.includes(s))) return;
      const data = c.data === undefined || c.data === null ? message : mapTemplate(c.data, message);
      const json = typeof data === 'object';
      const body = json ? JSON.stringify(data) : String(data);
      const ct = json ? 'application/json' : 'application/x-www-form-urlencoded';
      if (!q.push({ url: String(c.url), method, body, contentType: ct, headers, expect })) env.count(`${name}_dropped`);
    },
    stats: () => q.stats,
    close: () => q.close(),
  };
}

const slackEscape = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
export const htmlEscape = (s: string) =>
  s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');

function fieldValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function slackHandler(name: string, c: HandlerConfig, _fmt: Formatter, env: HandlerEnv): LogHandler {
  const q = httpQueue(name, env);
  return {
    name,
    handle(_line, rec: OpenCanaryRecord) {
      const fields = Object.entries(rec).map(([k, v]) => ({
        title: k,
        value: slackEscape(fieldValue(v)),
        short: false,
      }));
      const body = JSON.stringify({ attachments: [{ pretext: 'OpenCanary Alert', fields }] });
      if (!q.push({ url: String(c.webhook_url), method: 'POST', body, contentType: 'application/json' }))
        env.count(`${name}_dropped`);
    },
    stats: () => q.stats,
    close: () => q.close(),
  };
}

export function teamsHandler(name: string, c: HandlerConfig, _fmt: Formatter, env: HandlerEnv): LogHandler {
  const q = httpQueue(name, env);
  return {
    name,
    handle(_line, rec: OpenCanaryRecord) {
      const facts: Array<{ name: string; value: string }> = [];
      for (const [k, v] of Object.entries(rec)) {
        if (k === 'logdata' && v && typeof v === 'object') {
          for (const [lk, lv] of Object.entries(v))
            facts.push({ name: htmlEscape(lk), value: htmlEscape(fieldValue(lv)) });
        } else facts.push({ name: k, value: htmlEscape(fieldValue(v)) });
      }
      const body = JSON.stringify({
        '@type': 'MessageCard',
        '@context': 'http://schema.org/extensions',
        themeColor: '49c176',
        summary: 'OpenCanary Notification',
        title: 'OpenCanary Alert',
        sections: [{ facts }],
      });
      if (!q.push({ url: String(c.webhook_url), method: 'POST', body, contentType: 'application/json' }))
        env.count(`${name}_dropped`);
    },
    stats: () => q.stats,
    close: () => q.close(),
  };
}
