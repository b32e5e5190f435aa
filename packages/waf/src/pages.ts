/**
 * The few pages the WAF answers itself (403, 400, 413, 502, 504). Static text only: nothing from
 * the request is ever echoed, so there is nothing to escape beyond the fixed strings.
 */
import type { ServerResponse } from 'node:http';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Payload Too Large',
  502: 'Bad Gateway',
  504: 'Gateway Timeout',
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function pageBody(status: number): string {
  const t = escapeHtml(TITLES[status] ?? 'Error');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${status} ${t}</title></head><body><h1>${status} ${t}</h1></body></html>\n`;
}

/** A whole HTTP/1.1 response carrying the page, for a socket that is no longer an HTTP exchange. */
export function rawPage(status: number): string {
  const body = pageBody(status);
  return (
    `HTTP/1.1 ${status} ${TITLES[status] ?? 'Error'}\r\ncontent-type: text/html; charset=utf-8\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`
  );
}

/** Sends a small HTML error page and closes the connection when the request body was not read. */
export function sendPage(res: ServerResponse, status: number, close = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = pageBody(status);
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(body);
}
