/**
 * CrowdSec Local API bouncer endpoints, so existing bouncers (firewall, nginx, Traefik, ...)
 * enforce Kyoka's decisions unchanged (../shared/reference/crowdsec-lapi.md):
 *   GET|HEAD /v1/decisions/stream?startup=&scopes=&origins=&scenarios_containing=&scenarios_not_containing=
 *   GET|HEAD /v1/decisions?ip=&range=&scope=&value=&type=&contains=
 * Auth is `X-Api-Key` with a Kyoka API key of role `bouncer`; anything else is 403 with
 * CrowdSec's body. Each key's pull position (last change seq) is kept in bouncer_positions;
 * HEAD requests never move it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.ts';
import type { DecisionRow } from './db.ts';
import { parseValue } from './ip.ts';
import type { DecisionService } from './service.ts';
import { crowdsecView } from './view.ts';

/** Startup pulls list decisions deleted within this window (CrowdSec lists expired ones). */
const STARTUP_DELETED_MS = 24 * 3_600_000;

type Query = Record<string, string | undefined>;

const csv = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

function streamFilter(q: Query): (r: DecisionRow) => boolean {
  const scopes = q.scopes === undefined ? ['ip', 'range'] : csv(q.scopes);
  const origins = csv(q.origins);
  const yes = csv(q.scenarios_containing);
  const no = csv(q.scenarios_not_containing);
  return (r) => {
    const sc = r.scenario.toLowerCase();
    return (
      scopes.includes(r.scope.toLowerCase()) &&
      (!origins.length || origins.includes(r.origin.toLowerCase())) &&
      (!yes.length || yes.some((s) => sc.includes(s))) &&
      !no.some((s) => sc.includes(s))
    );
  };
}

export function crowdsecRoutes(app: FastifyInstance, ctx: ServerContext, svc: DecisionService): void {
  const forbidden = (reply: FastifyReply) => reply.status(403).send({ message: 'access forbidden' });
  /** Resolves the bouncer's key id, or answers 403. */
  const bouncer = async (req: FastifyRequest, reply: FastifyReply): Promise<string | null> => {
    const h = req.headers['x-api-key'];
    const key = Array.isArray(h) ? h[0] : h;
    const k = key ? await ctx.keys.verify(key.trim()) : null;
    if (k?.role !== 'bouncer') {
      forbidden(reply);
      return null;
    }
    return k.id;
  };
  const schema = {
    tags: ['crowdsec'],
    security: [],
    querystring: { type: 'object', additionalProperties: true },
  };

  app.route({
    method: ['GET', 'HEAD'],
    url: '/v1/decisions/stream',
    schema: { ...schema, summary: 'CrowdSec bouncer stream: new/deleted decisions since this key’s last pull' },
    handler: async (req, reply) => {
      const keyId = await bouncer(req, reply);
      if (!keyId) return reply;
      const q = req.query as Query;
      const head = req.method === 'HEAD';
      const keep = streamFilter(q);
      const now = Date.now();
      const pos = q.startup === 'true' ? null : await svc.store.position(keyId);
      let fresh: DecisionRow[];
      let gone: DecisionRow[];
      // the seq is read before the rows: whatever commits in between shows again next pull
      const upTo = await svc.store.maxSeq();
      if (pos === null) {
        const live = await svc.store.loadLive();
        fresh = live.filter((r) => r.expires_at > now);
        const liveValues = new Set(fresh.map((r) => `${r.value}|${r.type}`));
        gone = (await svc.store.deletedSince(now - STARTUP_DELETED_MS)).filter(
          (r) => !liveValues.has(`${r.value}|${r.type}`),
        );
        gone.push(...live.filter((r) => r.expires_at <= now));
      } else {
        const last = new Map<number, DecisionRow>();
        for (const c of await svc.store.changesSince(pos, upTo, 1_000_000)) last.set(c.decision.id, c.decision);
        fresh = [];
        gone = [];
        for (const r of last.values()) (r.deleted_at === null && r.expires_at > now ? fresh : gone).push(r);
      }
      if (!head) await svc.store.setPosition(keyId, Math.max(upTo, pos ?? 0), now);
      const out = (rows: DecisionRow[]) => {
        const list = rows.filter(keep).map((r) => crowdsecView(r, now));
        return list.length ? list : null;
      };
      return reply.header('cache-control', 'no-store').send({ new: out(fresh), deleted: out(gone) });
    },
  });

  app.route({
    method: ['GET', 'HEAD'],
    url: '/v1/decisions',
    schema: { ...schema, summary: 'CrowdSec live lookup: active decisions for an IP, range or value (null when none)' },
    handler: async (req, reply) => {
      if (!(await bouncer(req, reply))) return reply;
      const q = req.query as Query;
      const now = Date.now();
      let rows: DecisionRow[];
      if (q.ip) rows = svc.active(q.ip, now);
      else if (q.range) {
        rows =
          q.contains === 'false' ? svc.activeWithin(q.range, now) : svc.active(parseValue(q.range, 'range').value, now);
      } else if (q.value) {
        const v = parseValue(q.value, 'value').value;
        rows = svc.snapshot(now).filter((r) => r.value === v);
      } else rows = svc.snapshot(now);
      if (q.scope) rows = rows.filter((r) => r.scope.toLowerCase() === q.scope?.toLowerCase());
      if (q.type) rows = rows.filter((r) => r.type === q.type);
      reply.header('cache-control', 'no-store').type('application/json');
      return reply.send(rows.length ? JSON.stringify(rows.map((r) => crowdsecView(r, now))) : 'null');
    },
  });
}
