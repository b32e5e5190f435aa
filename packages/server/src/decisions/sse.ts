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
import { unauthenticated } from '../auth/plugin.ts';
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
  // preClose, not onClose: onClose runs only after the server has closed, and the server waits
  // for these never-ending responses, so every stop waited out http.shutdownTimeoutSec.
  app.addHook('preClose', async () => {
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
      if (!p) throw unauthenticated(req, 'a bouncer, sensor, agent or admin API key');
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
      /**
       * Live changes that arrive while the catch-up (reset snapshot or replay) is being written;
       * null once the stream is live.
       */
      let pending: Change[] | null = [];
      const close = () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        clearInterval(beat);
        open.delete(close);
        res.destroy();
      };
      /** Live writes: a client that lets more than maxBuffer pile up is dropped (it resumes). */
      const write = (text: string) => {
        if (closed) return;
        res.write(text);
        if (res.writableLength > maxBuffer) close();
      };
      /**
       * Catch-up writes wait for the socket to drain instead: a replay of 50,000 changes or a
       * reset with 100k decisions is far above maxBuffer, and dropping the client for it would
       * make it reconnect into the same catch-up forever.
       */
      let paced = '';
      const flushPaced = async () => {
        const text = paced;
        paced = '';
        if (closed || !text || res.write(text)) return;
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      };
      /** Catch-up frames go out in ~64 KiB writes (one write per frame costs more than the frame). */
      const writePaced = async (text: string) => {
        paced += text;
        if (paced.length >= 65_536) await flushPaced();
      };
      /** Replayed and queued changes are deduplicated by seq. */
      const sendPaced = async (c: Change) => {
        if (c.seq <= sentUpTo) return;
        sentUpTo = c.seq;
        await writePaced(frame(c));
      };
      const unsubscribe = svc.subscribe((c) => {
        if (pending) pending.push(c);
        else {
          sentUpTo = Math.max(sentUpTo, c.seq);
          write(frame(c));
        }
      });
      const beat = setInterval(() => write(': ping\n\n'), heartbeatMs);
      beat.unref();
      open.add(close);
      res.on('close', close);
      res.on('error', close);
      write('retry: 2000\n\n');

      const reset = async (reason: string) => {
        const seq = svc.seq;
        const snapshot = svc.snapshot();
        await writePaced(`event: reset\ndata: ${JSON.stringify({ reason })}\n\n`);
        let n = 0;
        for (const d of snapshot) {
          if (closed) return;
          await writePaced(`event: decision.new\ndata: ${JSON.stringify(decisionView(d))}\n\n`);
          n++;
        }
        sentUpTo = seq;
        await writePaced(`id: ${seq}\nevent: synced\ndata: ${JSON.stringify({ count: n, seq })}\n\n`);
      };

      try {
        if (last === null) await reset('initial');
        else if (last > svc.seq) await reset('unknown_id');
        else {
          const fromRing = svc.recent(last);
          if (fromRing) {
            sentUpTo = last;
            for (const c of fromRing) await sendPaced(c);
          } else {
            const upTo = svc.seq;
            const older = await svc.store.changesSince(last, upTo, maxReplay + 1);
            if (older.length > maxReplay) await reset('too_old');
            else {
              sentUpTo = last;
              for (const c of older) await sendPaced(c);
              // changes announced during the query that were not yet in the log we read
              for (const c of svc.recent(upTo) ?? []) await sendPaced(c);
            }
          }
        }
        // then what arrived meanwhile, paced too (more may queue while it is written), then live
        await flushPaced();
        while (!closed && pending?.length) {
          const queued = pending;
          pending = [];
          for (const c of queued) await sendPaced(c);
          await flushPaced();
        }
        pending = null;
      } catch (err) {
        write(`event: error\ndata: ${JSON.stringify({ message: (err as Error).message })}\n\n`);
        close();
      }
    },
  );
}
