/**
 * Enrollment of an agent or WAF node (POST /api/v1/agents/enroll with a one-time token) and the
 * credentials it gets back, kept in the node's state directory (mode 0600) and reused on every
 * later start, so the token is needed once.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KyokaError } from '@kyoka/core';

export type NodeKind = 'agent' | 'waf';

export interface NodeCredentials {
  server_url: string;
  agent_id: string;
  api_key: string;
  kind: NodeKind;
  heartbeat_seconds: number;
}

export interface EnrollOptions {
  serverUrl: string;
  stateDir: string;
  kind: NodeKind;
  hostname: string;
  version: string;
  name?: string;
  /** One-time enrollment token; needed only when no credentials are stored yet. */
  token?: string;
  /** An API key given directly (role agent) instead of enrolling. */
  apiKey?: string;
}

const FILE = 'server.json';

export function readNodeCredentials(stateDir: string): NodeCredentials | null {
  const p = join(stateDir, FILE);
  if (!existsSync(p)) return null;
  try {
    const c = JSON.parse(readFileSync(p, 'utf8')) as NodeCredentials;
    return typeof c.api_key === 'string' && c.api_key ? c : null;
  } catch {
    return null;
  }
}

function save(stateDir: string, c: NodeCredentials): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const p = join(stateDir, FILE);
  writeFileSync(`${p}.tmp`, `${JSON.stringify(c, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${p}.tmp`, p);
}

/** Stored credentials for this server, else a given key, else enrollment with the token. */
export async function ensureEnrolled(o: EnrollOptions): Promise<NodeCredentials> {
  const stored = readNodeCredentials(o.stateDir);
  if (stored && stored.server_url === o.serverUrl && !o.apiKey) return stored;
  if (o.apiKey) {
    const c: NodeCredentials = {
      server_url: o.serverUrl,
      agent_id: '',
      api_key: o.apiKey,
      kind: o.kind,
      heartbeat_seconds: 30,
    };
    return c;
  }
  if (!o.token)
    throw new KyokaError(
      'KYOKA_E_BAD_CONFIG',
      `not enrolled with ${o.serverUrl}: pass an enrollment token (--token) created in the console or with POST /api/v1/agents/tokens`,
    );
  let res: Response;
  try {
    res = await fetch(new URL('/api/v1/agents/enroll', o.serverUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: o.token, name: o.name, hostname: o.hostname, version: o.version, kind: o.kind }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    throw new KyokaError('KYOKA_E_UNAVAILABLE', `cannot reach ${o.serverUrl} to enroll: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.status !== 200 || typeof body.api_key !== 'string') {
    const msg = typeof body.message === 'string' ? body.message : `HTTP ${res.status}`;
    throw new KyokaError('KYOKA_E_UNAUTHENTICATED', `enrollment refused: ${msg}`);
  }
  const c: NodeCredentials = {
    server_url: o.serverUrl,
    agent_id: String(body.agent_id ?? ''),
    api_key: body.api_key,
    kind: o.kind,
    heartbeat_seconds: Number(body.heartbeat_seconds) > 0 ? Number(body.heartbeat_seconds) : 30,
  };
  save(o.stateDir, c);
  return c;
}
