/**
 * Push stream for Kyoka's own agents and WAF: GET /api/v1/decisions/stream as Server-Sent
 * Events. Events `decision.new` / `decision.deleted` carry the decision JSON with the change
 * seq as event id, written the moment the service announces them (no batching). Resume with
 * Last-Event-ID: replayed from the in-memory ring, else from decision_changes; when that is
 * impossible (too far behind, unknown id) and on a first connect, `reset` is sent, then the
 * whole live set as `decision.new` without ids, then `synced` carrying the id to resume from.
 * Heartbeat comments keep proxies from closing idle streams; a client whose unsent buffer
 * exceeds the limit is dropped (it reconnects and resumes).
 */
import { KyokaError } from '@kyoka/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DecisionService } from './service.ts';
import type { Change } from './store.ts';
import { decisionView } from './view.ts';

export interface StreamOptions {
  heartbeatMs?: number;
  /** Unsent bytes allowed per client before it is dropped (default 8 MiB). */
  maxBufferBytes?: number;
  /** Most changes replayed from the database on resume before falling back to a reset. */
  maxReplay?: number;
}

const ROLES = new Set(['bouncer', 'sensor', 'agent', 'admin']);

function frame(c: Change): string {
  return `id: ${c.seq}\nevent: decision.${c.kind}\ndata: ${JSON.stringify(decisionView(c.decision))}\n\n`;
}

export function streamRoute(app: FastifyInstance, svc: DecisionService, o: StreamOptions = {}): void {
  const heartbeatMs = o.heartbeatMs ?? 15_000;
  const maxBuffer = o.maxBufferBytes ?? 8 * 1024 * 1024;
  const maxReplay = o.maxReplay ?? 50_000;
  const open = new Set<() => void>();
  app.addHook('onClose', async () => {
    for (const close of [...open]) close();
  });

  app.get(
    '/api/v1/decisions/stream',
    {
      schema: {
        tags: ['decisions'],
        summary: 'Push stream of decision changes (Server-Sent Events, resumable with Last-Event-ID)',
        querystring: {
          type: 'object',
          properties: { last_event_id: { type: 'string', pattern: '^[0-9]{1,15}$' } },
        },
      },
    },
    async (req: FastifyRequest, reply: FastifyReply) => {
      const p = req.principal;
      if (!p) throw new KyokaError('KYOKA_E_UNAUTHENTICATED', 'a bouncer, sensor, agent or admin API key is required');
      if (!ROLES.has(p.role))
        throw new KyokaError('KYOKA_E_FORBIDDEN', `role ${p.role} may not read the decision stream`);
      const header = req.headers['last-event-id'];
      const lastRaw =
        (Array.isArray(header) ? header[0] : header) ?? (req.query as { last_event_id?: string }).last_event_id;
      const last = lastRaw !== undefined && /^\d{1,15}$/.test(lastRaw.trim()) ? Number(lastRaw.trim()) : null;

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
        'x-content-type-options': 'nosniff',
        connection: 'keep-alive',
      });
      req.raw.socket.setNoDelay(true);
      let closed = false;
      let sentUpTo = 0;
      /** Live changes that arrive while a database replay is in flight. */
      let pending: Change[] | null = [];
      const close = () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        clearInterval(beat);
        open.delete(close);
        res.destroy();
      };
      const write = (text: string) => {
        if (closed) return;
        res.write(text);
        if (res.writableLength > maxBuffer) close();
      };
      /** Replayed and queued changes are deduplicated by seq; live ones always go out. */
      const send = (c: Change, dedupe = true) => {
        if (dedupe && c.seq <= sentUpTo) return;
        sentUpTo = Math.max(sentUpTo, c.seq);
        write(frame(c));
      };
      const unsubscribe = svc.subscribe((c) => {
        if (pending) pending.push(c);
        else send(c, false);
      });
      const beat = setInterval(() => write(': ping\n\n'), heartbeatMs);
      beat.unref();
      open.add(close);
      res.on('close', close);
      res.on('error', close);
      write('retry: 2000\n\n');

      const reset = (reason: string) => {
        const seq = svc.seq;
        write(`event: reset\ndata: ${JSON.stringify({ reason })}\n\n`);
        let n = 0;
        for (const d of svc.snapshot()) {
          write(`event: decision.new\ndata: ${JSON.stringify(decisionView(d))}\n\n`);
          n++;
        }
        sentUpTo = seq;
        write(`id: ${seq}\nevent: synced\ndata: ${JSON.stringify({ count: n, seq })}\n\n`);
      };

      try {
        if (last === null) reset('initial');
        else if (last > svc.seq) reset('unknown_id');
        else {
          const fromRing = svc.recent(last);
          if (fromRing) {
            sentUpTo = last;
            for (const c of fromRing) send(c);
          } else {
            const upTo = svc.seq;
            const older = await svc.store.changesSince(last, upTo, maxReplay + 1);
            if (older.length > maxReplay) reset('too_old');
            else {
              sentUpTo = last;
              for (const c of older) send(c);
              // changes announced during the query that were not yet in the log we read
              for (const c of svc.recent(upTo) ?? []) send(c);
            }
          }
        }
      } catch (err) {
        write(`event: error\ndata: ${JSON.stringify({ message: (err as Error).message })}\n\n`);
        close();
        return;
      }
      const queued = pending ?? [];
      pending = null;
      for (const c of queued) send(c);
    },
  );
}
