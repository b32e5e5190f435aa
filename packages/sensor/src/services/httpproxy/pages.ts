/**
 * The httpproxy honeypot's two personalities: Squid's ERR_CACHE_ACCESS_DENIED reply (headers
 * in Squid's order, its error page) and Microsoft ISA Server's 407. Hand-written templates; the
 * requested URL is attacker text, so it is escaped everywhere and only made a link when it is
 * a plain http(s) URL.
 */
import { escapeHtml } from '../http/pages.ts';

export interface ProxyReply {
  reason: string;
  headers: string[];
  body: Buffer;
}

export interface ProxyProfileInput {
  url: string;
  date: string;
  realm: string;
  host: string;
  port: number;
  squidVersion: string;
}

function urlHtml(url: string): string {
  const esc = escapeHtml(url);
  if (!/^https?:\/\/[^\s"<>]+$/i.test(url)) return esc;
  try {
    new URL(url);
    return `<a href="${esc}">${esc}</a>`;
  } catch {
    return esc;
  }
}

function squidPage(i: ProxyProfileInput): string {
  return `<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">
<html><head>
<meta type="copyright" content="Copyright (C) 1996-2022 The Squid Software Foundation and contributors">
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>ERROR: Cache Access Denied</title>
<style type="text/css"><!--
body { background-color: #ffffff; font-family: verdana, sans-serif; }
#titles h1 { color: #000000; }
#titles h2 { color: #000000; }
#content { padding: 10px; background: #ffffff; }
#error p, h3, b { font-size: 11px; }
#error { margin: 0; padding: 0; }
#footer { font-size: 9px; padding-left: 10px; }
--></style>
</head><body id="ERR_CACHE_ACCESS_DENIED">
<div id="titles">
<h1>ERROR</h1>
<h2>Cache Access Denied.</h2>
</div>
<hr>

<div id="content">
<p>The following error was encountered while trying to retrieve the URL: ${urlHtml(i.url)}</p>

<blockquote id="error">
<p><b>Cache Access Denied.</b></p>
</blockquote>

<p>Sorry, you are not currently allowed to request ${escapeHtml(i.url)} from this cache until you have authenticated yourself.</p>

<p>Please contact the <a href="mailto:webmaster?subject=CacheErrorInfo%20-%20ERR_CACHE_ACCESS_DENIED">cache administrator</a> if you have difficulties authenticating yourself.</p>

<br>
</div>

<hr>
<div id="footer">
<p>Generated ${escapeHtml(i.date)} by ${escapeHtml(i.host)} (squid/${escapeHtml(i.squidVersion)})</p>
<!-- ERR_CACHE_ACCESS_DENIED -->
</div>
</body></html>
`;
}

function isaPage(i: ProxyProfileInput): string {
  return `<html><head><title>Error Message</title>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>
<body><table><tr><td><h1>Network Access Message: The page cannot be displayed</h1></td></tr>
<tr><td><p>Explanation: The ISA Server requires authorization to fulfill the request. Access to the Web Proxy service is denied.</p>
<p>Technical Information (for support personnel)</p>
<ul><li>Error Code: 407 Proxy Authentication Required.</li><li>URL: ${escapeHtml(i.url)}</li></ul></td></tr></table></body></html>
`;
}

export const PROFILES = ['squid', 'ms-isa'] as const;
export type ProxyProfile = (typeof PROFILES)[number];

export function proxyReply(profile: ProxyProfile, i: ProxyProfileInput): ProxyReply {
  if (profile === 'ms-isa') {
    const body = Buffer.from(isaPage(i));
    return {
      reason:
        'Proxy Authentication Required ( The ISA Server requires authorization to fulfill the request. Access to the Web Proxy service is denied.  )',
      headers: [
        'Via',
        `1.1 ${i.host}`,
        'Proxy-Authenticate',
        `Basic realm="${i.realm}"`,
        'Pragma',
        'no-cache',
        'Cache-Control',
        'no-cache',
        'Content-Type',
        'text/html',
        'Content-Length',
        String(body.length),
      ],
      body,
    };
  }
  const body = Buffer.from(squidPage(i));
  const v = i.squidVersion;
  return {
    reason: 'Proxy Authentication Required',
    headers: [
      'Server',
      `squid/${v}`,
      'Mime-Version',
      '1.0',
      'Date',
      i.date,
      'Content-Type',
      'text/html;charset=utf-8',
      'Content-Length',
      String(body.length),
      'X-Squid-Error',
      'ERR_CACHE_ACCESS_DENIED 0',
      'Vary',
      'Accept-Language',
      'Content-Language',
      'en',
      'Proxy-Authenticate',
      `Basic realm="${i.realm}"`,
      'X-Cache',
      `MISS from ${i.host}`,
      'X-Cache-Lookup',
      `NONE from ${i.host}:${i.port}`,
      'Via',
      `1.1 ${i.host} (squid/${v})`,
    ],
    body,
  };
}
