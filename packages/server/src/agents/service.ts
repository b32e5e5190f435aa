/**
 * Management of host agents (`kyoka agent`) and WAF nodes (`kyoka waf`): enrollment (one-time
 * token → an API key with role `agent`), heartbeats carrying an AgentStatus, the registry with
 * online/offline computed from the last heartbeat (offline after MISSED_HEARTBEATS intervals,
 * the sensors' rule and interval), removal (revokes the key), and the origin a reported
 * decision gets (`agent:<name>` / `waf:<name>`). Host-reported strings are bounded here and only
 * ever rendered as text.
 */
import { KyokaError, newId } from '@kyoka/core';
import { createApiKey } from '../auth/api-keys.ts';
import type { ServerContext } from '../context.ts';
import { guard, parseJson } from '../sensors/db.ts';
import { MISSED_HEARTBEATS } from '../sensors/service.ts';
import type { AgentKind, AgentKysely, AgentRow } from './db.ts';
import { type AgentStatus, cleanStatus } from './status.ts';
import { consumeAgentToken } from './tokens.ts';

export interface EnrollRequest {
  token: string;
  name?: string;
  hostname: string;
  version: string;
  kind: AgentKind;
}

export interface AgentView {
  id: string;
  kind: AgentKind;
  name: string;
  hostname: string;
  version: string;
  status: 'online' | 'offline';
  last_seen: string;
  enrolled_at: string;
  backend: string | null;
  protect: NonNullable<AgentStatus['protect']>;
  decisions: NonNullable<AgentStatus['decisions']>;
  rules: number;
  collectors: NonNullable<AgentStatus['collectors']>;
  sites: NonNullable<AgentStatus['sites']>;
  stream: AgentStatus['stream'] | null;
}

const clip = (s: unknown, n: number): string => (typeof s === 'string' ? s.slice(0, n) : '');
const iso = (ms: number) => new Date(Number(ms)).toISOString();

export class AgentService {
  constructor(
    readonly db: AgentKysely,
    private readonly ctx: ServerContext,
  ) {}

  get heartbeatSeconds(): number {
    return this.ctx.config.sensors.heartbeatSec;
  }

  view(r: AgentRow, now = Date.now()): AgentView {
    const s = parseJson<Partial<AgentStatus>>(r.report, {});
    return {
      id: r.id,
      kind: r.kind === 'waf' ? 'waf' : 'agent',
      name: r.name,
      hostname: r.hostname,
      version: r.version,
      status: now - Number(r.last_seen) < MISSED_HEARTBEATS * this.heartbeatSeconds * 1000 ? 'online' : 'offline',
      last_seen: iso(r.last_seen),
      enrolled_at: iso(r.enrolled_at),
      backend: s.backend ?? null,
      protect: s.protect ?? [],
      decisions: s.decisions ?? { ban: 0, deceive: 0, reflect: 0 },
      rules: s.rules ?? 0,
      collectors: s.collectors ?? [],
      sites: s.sites ?? [],
      stream: s.stream ?? null,
    };
  }

  async enroll(req: EnrollRequest): Promise<{ agent_id: string; api_key: string; heartbeat_seconds: number }> {
    const kind: AgentKind = req.kind === 'waf' ? 'waf' : 'agent';
    const id = newId();
    const { name: tokenName } = await consumeAgentToken(this.db, req.token, kind, id);
    const name = clip(req.name?.trim(), 128) || tokenName || clip(req.hostname, 128) || id;
    const { key, secret } = await createApiKey(this.ctx.meta, `${kind}:${name}`.slice(0, 64), 'agent');
    const now = Date.now();
    await guard('agent', () =>
      this.db
        .insertInto('agents')
        .values({
          id,
          kind,
          name,
          hostname: clip(req.hostname, 255),
          version: clip(req.version, 64),
          key_id: key.id,
          last_seen: now,
          enrolled_at: now,
          report: '{}',
        })
        .execute(),
    );
    return { agent_id: id, api_key: secret, heartbeat_seconds: this.heartbeatSeconds };
  }

  async heartbeat(
    keyId: string,
    status: unknown,
  ): Promise<{ ok: true; server_time: string; heartbeat_seconds: number }> {
    const a = await this.byKey(keyId);
    if (!a) throw new KyokaError('KYOKA_E_FORBIDDEN', 'this key does not belong to an enrolled agent or WAF node');
    const s = cleanStatus(status);
    const now = Date.now();
    await guard('agent', () =>
      this.db
        .updateTable('agents')
        .set({ hostname: s.hostname, version: s.version, report: JSON.stringify(s), last_seen: now })
        .where('id', '=', a.id)
        .execute(),
    );
    return { ok: true, server_time: new Date(now).toISOString(), heartbeat_seconds: this.heartbeatSeconds };
  }

  byKey(keyId: string): Promise<AgentRow | undefined> {
    return guard('agent', () =>
      this.db.selectFrom('agents').selectAll().where('key_id', '=', keyId).executeTakeFirst(),
    );
  }

  get(id: string): Promise<AgentRow | undefined> {
    return guard('agent', () => this.db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst());
  }

  async list(): Promise<AgentView[]> {
    const rows = await guard('agent', () =>
      this.db.selectFrom('agents').selectAll().orderBy('kind').orderBy('name').orderBy('id').execute(),
    );
    const now = Date.now();
    return rows.map((r) => this.view(r, now));
  }

  /** Removes an agent and revokes its key at once (cached verifications are dropped). */
  async remove(id: string): Promise<void> {
    const a = await this.get(id);
    if (!a) throw new KyokaError('KYOKA_E_NOT_FOUND', 'no such agent');
    await this.ctx.meta.revokeApiKey(a.key_id);
    this.ctx.keys.forget();
    await guard('agent', () => this.db.deleteFrom('agents').where('id', '=', id).execute());
  }

  /** The decision origin for a reporting key: `agent:<name>` / `waf:<name>`. */
  async originOf(keyId: string): Promise<`agent:${string}` | `waf:${string}`> {
    const a = await this.byKey(keyId);
    if (!a) throw new KyokaError('KYOKA_E_FORBIDDEN', 'this key does not belong to an enrolled agent or WAF node');
    return a.kind === 'waf' ? `waf:${a.name.slice(0, 64)}` : `agent:${a.name.slice(0, 64)}`;
  }
}
