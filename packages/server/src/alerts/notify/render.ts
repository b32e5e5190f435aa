/**
 * Turns a notice (a new alert, a count threshold crossed, a rate-limit summary or a test) into
 * an email (subject, text, HTML) or a webhook JSON body. Every attacker-reachable value goes
 * through escape.ts for its medium; nothing here builds markup from unescaped data.
 */
import type { Alert } from '../types.ts';
import { escapeHtml, headerValue, plainLine } from './escape.ts';

export interface Suppressed {
  count: number;
  /** Rule title → alerts not sent because of the rate limit. */
  byRule: Record<string, number>;
}

export interface Notice {
  reason: 'created' | 'escalated' | 'summary' | 'test';
  alert?: Alert;
  /** For `escalated`: the count threshold crossed. */
  level?: number;
  /** Alerts held back by this channel's rate limit since its last message. */
  suppressed?: Suppressed;
  /** A few fields of the first sample event (flattened ECS names). */
  event?: Record<string, string | number>;
  /** Console link base (e.g. https://kyoka.example/), when known. */
  consoleUrl?: string;
}

/** Fields of the sample event worth showing; order is display order. */
export const EVENT_FIELDS = [
  '@timestamp',
  'event.action',
  'event.dataset',
  'event.outcome',
  'source.ip',
  'source.port',
  'destination.port',
  'user.name',
  'url.original',
  'user_agent.original',
  'observer.name',
] as const;

export function pickEventFields(ev: unknown): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const f of EVENT_FIELDS) {
    let v: unknown = ev;
    for (const part of f === '@timestamp' ? [f] : f.split('.')) {
      v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    }
    if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) out[f] = v;
  }
  return out;
}

function groupLabel(a: Alert): string {
  return Object.entries(a.group)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

export function subjectOf(n: Notice): string {
  const a = n.alert;
  if (n.reason === 'test') return '[Kyoka] Test notification';
  if (!a) return `[Kyoka] ${n.suppressed?.count ?? 0} alerts held back by the rate limit`;
  const what = n.reason === 'escalated' ? `${a.rule_title} reached ${n.level} events` : a.rule_title;
  return headerValue(`[Kyoka] ${a.severity.toUpperCase()} ${what} ${groupLabel(a)}`);
}

function lines(n: Notice): Array<[string, string]> {
  const a = n.alert;
  if (!a) return [];
  const rows: Array<[string, string]> = [
    ['Rule', `${a.rule_title} (${a.rule_id})`],
    ['Severity', a.severity],
    ['Events', String(a.count)],
    ['First seen', a.first_seen],
    ['Last seen', a.last_seen],
  ];
  if (a.tags.length) rows.push(['Tags', a.tags.join(', ')]);
  for (const [k, v] of Object.entries(a.group)) rows.push([k, String(v)]);
  if (a.decision_id) rows.push(['Decision', a.decision_id]);
  for (const [k, v] of Object.entries(n.event ?? {})) {
    if (!(k in a.group)) rows.push([`Event ${k}`, String(v)]);
  }
  return rows;
}

function summaryText(s: Suppressed | undefined): string {
  if (!s || s.count === 0) return '';
  const per = Object.entries(s.byRule)
    .slice(0, 10)
    .map(([t, c]) => `${plainLine(t, 120)}: ${c}`)
    .join('; ');
  return `${s.count} more alert(s) were held back by this channel's rate limit (${per}).`;
}

export function renderText(n: Notice): string {
  const out: string[] = [];
  if (n.reason === 'test') out.push('This is a test notification from Kyoka.');
  if (n.reason === 'escalated') out.push(`The alert reached ${n.level} events.`);
  for (const [k, v] of lines(n)) out.push(`${plainLine(k, 80)}: ${plainLine(v)}`);
  const sum = summaryText(n.suppressed);
  if (sum) out.push('', sum);
  if (n.alert && n.consoleUrl) out.push('', `${n.consoleUrl.replace(/\/$/, '')}/alerts?id=${n.alert.id}`);
  return `${out.join('\n')}\n`;
}

export function renderHtml(n: Notice): string {
  const rows = lines(n)
    .map(
      ([k, v]) =>
        `<tr><th align="left" style="padding:2px 12px 2px 0">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`,
    )
    .join('');
  const parts = [`<h3>${escapeHtml(subjectOf(n))}</h3>`];
  if (n.reason === 'test') parts.push('<p>This is a test notification from Kyoka.</p>');
  if (rows) parts.push(`<table>${rows}</table>`);
  const sum = summaryText(n.suppressed);
  if (sum) parts.push(`<p>${escapeHtml(sum)}</p>`);
  return `<!doctype html><html><body>${parts.join('')}</body></html>`;
}

/** Webhook body: plain data, JSON-encoded by the sender. */
export function webhookBody(n: Notice): Record<string, unknown> {
  return {
    source: 'kyoka',
    type: `alert.${n.reason}`,
    text: subjectOf(n),
    level: n.level ?? null,
    alert: n.alert ?? null,
    event: n.event ?? null,
    suppressed: n.suppressed ?? { count: 0, byRule: {} },
  };
}
