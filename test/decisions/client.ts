/**
 * Test clients for the decision APIs: a CrowdSec bouncer written from the documented LAPI
 * protocol (X-Api-Key, /v1/decisions/stream, /v1/decisions), an admin session making keys
 * and decisions through the REST API, and a Server-Sent Events reader for the push stream.
 */
import assert from 'node:assert/strict';
import { adminSession, type Kyoka } from '../helpers/kyoka.ts';

export interface CsDecision {
  id: number;
  uuid: string;
  origin: string;
  type: string;
  scope: string;
  value: string;
  duration: string;
  scenario: string;
}
export interface StreamReply {
  new: CsDecision[] | null;
  deleted: CsDecision[] | null;
}

export async function until<T>(fn: () => Promise<T | null | undefined | false>, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export type Client = Awaited<ReturnType<typeof client>>;

/** Logs in as the first-run admin when first needed (keys via the API: the CLI is slow on a loaded machine). */
export async function client(k: Kyoka) {
  let session: Promise<Record<string, string>> | null = null;
  const login = async () => {
    const { cookie, csrf } = await adminSession(k);
    return { cookie, 'x-kyoka-csrf': csrf };
  };
  const adminHeaders = () => {
    session ??= login();
    return session;
  };
  return {
    adminHeaders,
    async key(name: string, role: string): Promise<string> {
      const res = await fetch(`${k.url}/api/v1/keys`, {
        method: 'POST',
        headers: { ...(await adminHeaders()), 'content-type': 'application/json' },
        body: JSON.stringify({ name, role }),
      });
      assert.equal(res.status, 201);
      return ((await res.json()) as { secret: string }).secret;
    },
    async add(value: string, duration: string, type = 'ban'): Promise<{ id: number; value: string }> {
      const res = await fetch(`${k.url}/api/v1/decisions`, {
        method: 'POST',
        headers: { ...(await adminHeaders()), 'content-type': 'application/json' },
        body: JSON.stringify({ value, type, duration, reason: 'test' }),
      });
      assert.equal(res.status, 201, await res.clone().text());
      return (await res.json()) as { id: number; value: string };
    },
    async pull(apiKey: string, startup: boolean, extra = ''): Promise<StreamReply> {
      const res = await fetch(`${k.url}/v1/decisions/stream?startup=${startup}${extra}`, {
        headers: { 'X-Api-Key': apiKey },
      });
      assert.equal(res.status, 200, await res.clone().text());
      return (await res.json()) as StreamReply;
    },
    async lookup(apiKey: string, query: string): Promise<CsDecision[] | null> {
      const res = await fetch(`${k.url}/v1/decisions?${query}`, { headers: { 'X-Api-Key': apiKey } });
      assert.equal(res.status, 200);
      return (await res.json()) as CsDecision[] | null;
    },
  };
}

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** A minimal EventSource over fetch: `next()` resolves with the next event (comments skipped). */
export async function sse(url: string, headers: Record<string, string>) {
  const ctrl = new AbortController();
  const res = await fetch(url, { headers, signal: ctrl.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const dec = new TextDecoder();
  let buf = '';
  const queue: SseEvent[] = [];
  const parse = () => {
    for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const ev: SseEvent = { event: 'message', data: '' };
      let any = false;
      for (const line of block.split('\n')) {
        const m = /^([a-z]+): ?(.*)$/i.exec(line);
        if (!m || line.startsWith(':')) continue;
        if (m[1] === 'id') ev.id = m[2];
        else if (m[1] === 'event') ev.event = m[2] as string;
        else if (m[1] === 'data') ev.data += m[2];
        else continue;
        any = true;
      }
      if (any && (ev.data || ev.event !== 'message')) queue.push(ev);
    }
  };
  return {
    async next(timeoutMs = 5000): Promise<SseEvent> {
      const end = Date.now() + timeoutMs;
      while (!queue.length) {
        const left = end - Date.now();
        if (left <= 0) throw new Error('no SSE event in time');
        let t: NodeJS.Timeout | undefined;
        const r = await Promise.race([
          reader.read(),
          new Promise<'timeout'>((ok) => {
            t = setTimeout(() => ok('timeout'), left);
          }),
        ]);
        clearTimeout(t);
        if (r === 'timeout') throw new Error('no SSE event in time');
        if (r.done) throw new Error('SSE stream ended');
        buf += dec.decode(r.value, { stream: true });
        parse();
      }
      return queue.shift() as SseEvent;
    },
    close() {
      ctrl.abort();
    },
  };
}
