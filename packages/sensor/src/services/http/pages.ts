/**
 * Apache-consistent response pieces for the HTTP honeypot: the built-in error documents
 * (byte-for-byte Apache 2.4's layout, address line included), the header order Apache uses,
 * the Keep-Alive countdown, and a once-per-second cached Date header. Keeping every detail the
 * same as the Server banner claims is what stops a scanner from spotting the emulation.
 */
import type { IncomingMessage } from 'node:http';

let dateSec = 0;
let dateStr = '';
/** RFC 7231 date, recomputed at most once per second (no timer). */
export function httpDate(): string {
  const now = Date.now();
  const sec = Math.floor(now / 1000);
  if (sec !== dateSec) {
    dateSec = sec;
    dateStr = new Date(now).toUTCString();
  }
  return dateStr;
}

const ESC: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ESC[c] ?? c);
}

const REASONS: Record<number, string> = {
  301: 'Moved Permanently',
  302: 'Found',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Request Entity Too Large',
};

/** The address line's host and port, as Apache (UseCanonicalName Off) takes them from Host. */
export function serverAt(req: IncomingMessage, localPort: number): { host: string; port: number } {
  const raw = req.headers.host;
  if (!raw) return { host: req.socket.localAddress?.replace(/^::ffff:/, '') ?? 'localhost', port: localPort };
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(raw);
  if (!m) return { host: raw, port: localPort };
  return { host: m[1] ?? raw, port: m[2] ? Number(m[2]) : localPort };
}

/** Apache's error document for `status`; `detail` is the paragraph (already escaped). */
export function errorPage(status: number, detail: string, banner: string, host: string, port: number): Buffer {
  const reason = REASONS[status] ?? 'Error';
  return Buffer.from(
    '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n' +
      `<html><head>\n<title>${status} ${reason}</title>\n</head><body>\n<h1>${reason}</h1>\n${detail}\n` +
      `<hr>\n<address>${escapeHtml(banner)} Server at ${escapeHtml(host)} Port ${port}</address>\n</body></html>\n`,
    'latin1',
  );
}

export const DETAIL = {
  notFound: '<p>The requested URL was not found on this server.</p>',
  forbidden: "<p>You don't have permission to access this resource.</p>",
  moved: (loc: string) => `<p>The document has moved <a href="${escapeHtml(loc)}">here</a>.</p>`,
  method: (m: string) => `<p>The requested method ${escapeHtml(m)} is not allowed for this URL.</p>`,
  tooLarge: (m: string) =>
    `The requested resource does not allow request data with ${escapeHtml(m)} requests, or the amount of data provided in\nthe request exceeds the capacity limit.`,
};

export const ERROR_TYPE = 'text/html; charset=iso-8859-1';

/** Raw replies OpenCanary sends without any header, then closes. */
export const RAW_405 = Buffer.from('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
export const RAW_400 = Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n');

const served = new WeakMap<object, number>();

/**
 * Apache's connection headers: `Keep-Alive: timeout=5, max=N` counting down per connection,
 * `Connection: close` when the client asked for it, spoke HTTP/1.0 without keep-alive, or the
 * hundredth request was served.
 */
export function connectionHeaders(req: IncomingMessage, forceClose: boolean): string[] {
  const conn = (req.headers.connection ?? '').toLowerCase();
  const n = (served.get(req.socket) ?? 0) + 1;
  served.set(req.socket, n);
  const wants = req.httpVersion === '1.1' ? !conn.includes('close') : conn.includes('keep-alive');
  if (forceClose || !wants || n > 100) return ['Connection', 'close'];
  return ['Keep-Alive', `timeout=5, max=${101 - n}`, 'Connection', 'Keep-Alive'];
}
