/**
 * Web audit proxy records (seed 000: mitmproxy addon POSTing one JSON object per request and
 * per response) → ECS.
 *
 * {"eventName": "HTTPRequest", "eventCategory": "ExternalCommunication", "timestamp": "...Z",
 *  "sourceIP": "192.168.87.6", "destinationIP": "3.165.102.8", "destinationPort": 443,
 *  "method": "GET", "url": "https://...", "status": null, "bytes": 0}
 */
import type { EventInput } from '../event/types.ts';
import type { ParseContext, Parser } from './types.ts';
import { badEvent, jsonObjectParser, type Obj, receivedIso, setEndpoint, toInt, toIsoTime } from './util.ts';

const METHOD_RE = /^[A-Z][A-Z-]{0,19}$/;
const MAX_URL = 8192;

export function webproxyToEvent(obj: Obj, original: string, ctx: ParseContext): EventInput {
  const name = obj.eventName;
  const isResponse = name === 'HTTPResponse';
  if (!isResponse && name !== 'HTTPRequest') throw badEvent('webproxy: eventName must be HTTPRequest or HTTPResponse');

  const event: Obj = {
    kind: 'event',
    category: ['web', 'network'],
    type: ['access'],
    action: isResponse ? 'http.response' : 'http.request',
    dataset: 'webproxy',
    module: 'webproxy',
    original,
  };
  const webproxy: Obj = { event_name: name };
  if (typeof obj.eventCategory === 'string') webproxy.event_category = obj.eventCategory;
  const ev: EventInput = {
    '@timestamp': toIsoTime(obj.timestamp) ?? receivedIso(ctx.receivedAt),
    event: event as EventInput['event'],
    kyoka: { source: ctx.sourceName, webproxy },
    observer: { type: 'proxy' },
  };
  setEndpoint(ev, 'source', obj.sourceIP, undefined);
  setEndpoint(ev, 'destination', obj.destinationIP, obj.destinationPort);
  ev.network = { transport: 'tcp', protocol: 'http' };

  const http: Obj = {};
  const method = obj.method;
  if (typeof method === 'string' && METHOD_RE.test(method)) http.request = { method };
  const status = toInt(obj.status);
  const bytes = toInt(obj.bytes);
  if (isResponse) {
    const response: Obj = {};
    if (status !== undefined && status >= 100 && status <= 999) {
      response.status_code = status;
      event.outcome = status < 400 ? 'success' : 'failure';
    }
    if (bytes !== undefined) response.body = { bytes };
    http.response = response;
  } else if (bytes !== undefined && bytes > 0) {
    http.request = { ...((http.request as Obj | undefined) ?? {}), body: { bytes } };
  }
  ev.http = http;

  const raw = obj.url;
  if (typeof raw === 'string' && raw.length > 0 && raw.length <= MAX_URL) {
    const url: Obj = { original: raw };
    // WHATWG URL: the same parser browsers use, so the domain is what the client connected to.
    const u = URL.canParse(raw) ? new URL(raw) : undefined;
    if (u !== undefined) {
      url.full = u.href;
      url.scheme = u.protocol.slice(0, -1);
      url.domain = u.hostname.charCodeAt(0) === 91 ? u.hostname.slice(1, -1) : u.hostname;
      url.path = u.pathname;
      if (u.search.length > 1) url.query = u.search.slice(1);
      if (u.port) url.port = Number(u.port);
    }
    ev.url = url;
  }
  return ev;
}

export function createWebproxyParser(): Parser {
  return jsonObjectParser('webproxy', webproxyToEvent);
}
