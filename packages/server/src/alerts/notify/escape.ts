/**
 * Escaping of attacker data for each notification medium. Alerts carry attacker-chosen text
 * (user names, URLs, banners): in the email HTML part it is HTML-escaped, in the plain-text
 * part and in headers control characters (CR/LF included) become spaces so it can neither
 * forge lines nor inject headers, and webhooks carry it JSON-encoded (JSON.stringify).
 */

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => HTML[c] as string);
}

// C0/C1 controls, DEL, line/paragraph separators, bidi overrides and isolates.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what we strip
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** One line of plain text: no control characters, bounded length. */
export function plainLine(v: unknown, max = 500): string {
  const s = String(v ?? '')
    .replace(UNSAFE, ' ')
    .replace(/ {2,}/g, ' ');
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** A header value (Subject): one line, no CR/LF, short. */
export function headerValue(v: unknown, max = 200): string {
  return plainLine(v, max).trim();
}

/** Admin-provided header names/values and addresses must not contain line breaks either. */
export function hasLineBreak(s: string): boolean {
  return s.includes('\r') || s.includes('\n') || s.includes('\u0000');
}
