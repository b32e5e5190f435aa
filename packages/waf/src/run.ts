/**
 * The `kyoka waf` process: the WAF plus its link to a Kyoka server (optional: without one the
 * WAF runs standalone on its own detections). Enrolls once as a `waf` node, follows the decision
 * push stream into a lookup table (ban → 403, deceive → sandbox), reports its own deceive
 * decisions so agents act on them too, ships one event per attack or sandboxed request through
 * the on-disk spool, and heartbeats its sites' counters.
 */
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { KyokaError } from '@kyoka/core';
import {
  DecisionStream,
  DecisionTable,
  ensureEnrolled,
  expandEnv,
  Heartbeat,
  type NodeCredentials,
  readYamlFile,
  type ServerSection,
  Spool,
  serverSectionSchema,
} from '@kyoka/link';
import { Value } from '@sinclair/typebox/value';
import { validateWafConfig, type WafConfig } from './config.ts';
import type { ReportedDecision } from './types.ts';
import { createWaf, type Waf } from './waf.ts';

export interface WafNodeConfig {
  server: ServerSection | null;
  name?: string;
  state_dir: string;
  waf: WafConfig;
}

/** `server`, `name` and `state_dir` are the node's; every other key is the WAF's own config. */
export function validateWafNodeConfig(raw: unknown, env: NodeJS.ProcessEnv = {}): WafNodeConfig {
  const v = (expandEnv(raw ?? {}, env) ?? {}) as Record<string, unknown>;
  const { server, name, state_dir, ...waf } = v;
  if (server !== undefined) {
    const first = Value.Errors(serverSectionSchema, server).First();
    if (first) {
      const key = `server${first.path.replace(/\//g, '.')}`;
      throw new KyokaError('KYOKA_E_BAD_CONFIG', `${key}: ${first.message}`, { details: { key } });
    }
  }
  if (name !== undefined && (typeof name !== 'string' || !name || name.length > 128))
    throw new KyokaError('KYOKA_E_BAD_CONFIG', 'name: must be a non-empty string', { details: { key: 'name' } });
  if (state_dir !== undefined && (typeof state_dir !== 'string' || !state_dir))
    throw new KyokaError('KYOKA_E_BAD_CONFIG', 'state_dir: must be a path', { details: { key: 'state_dir' } });
  return Object.freeze({
    server: (server as ServerSection | undefined) ?? null,
    name: name as string | undefined,
    state_dir: (state_dir as string | undefined) ?? './kyoka-waf',
    waf: validateWafConfig(waf),
  });
}

export function loadWafNodeConfig(path: string, env: NodeJS.ProcessEnv): WafNodeConfig {
  return validateWafNodeConfig(readYamlFile(path), env);
}

export interface RunningWaf {
  waf: Waf;
  credentials: NodeCredentials | null;
  stream: DecisionStream | null;
  status(): Record<string, unknown>;
  stop(): Promise<void>;
}

export async function runWaf(cfg: WafNodeConfig, o: { version: string; log?: (msg: string, extra?: object) => void }) {
  const log = o.log ?? (() => {});
  const hostname = osHostname();
  const table = new DecisionTable();
  let creds: NodeCredentials | null = null;
  let stream: DecisionStream | null = null;
  let spool: Spool | null = null;
  if (cfg.server) {
    creds = await ensureEnrolled({
      serverUrl: cfg.server.url,
      stateDir: cfg.state_dir,
      kind: 'waf',
      hostname,
      version: o.version,
      name: cfg.name,
      token: cfg.server.token,
      apiKey: cfg.server.api_key,
    });
    const key = creds.api_key;
    stream = new DecisionStream({
      serverUrl: cfg.server.url,
      apiKey: () => key,
      cacheFile: join(cfg.state_dir, 'decisions.json'),
      log,
      onBatch: (b) => {
        table.apply(b);
      },
    });
    spool = new Spool({
      dir: join(cfg.state_dir, 'spool'),
      serverUrl: cfg.server.url,
      apiKey: () => key,
      toEvents: (rec) => [rec],
      count: (what) => log(`spool: ${what}`),
    });
  }
  const serverUrl = cfg.server?.url;
  const report = (d: ReportedDecision) => {
    if (!serverUrl || !creds) return;
    fetch(new URL('/api/v1/decisions/report', serverUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${creds.api_key}`, 'content-type': 'application/json' },
      body: JSON.stringify(d),
      signal: AbortSignal.timeout(10_000),
    })
      .then(async (res) => {
        await res.arrayBuffer().catch(() => undefined);
        if (res.status >= 300) log('decision report refused', { status: res.status, value: d.value });
      })
      .catch((err: Error) => log('decision report failed', { error: err.message, value: d.value }));
  };
  const waf = await createWaf(cfg.waf, {
    decisions: { typeFor: (ip) => table.typeFor(ip) },
    report,
    emit: (e) => spool?.push(JSON.stringify(e)),
    log,
  });
  await stream?.start();
  const status = (): Record<string, unknown> => ({
    version: o.version,
    hostname,
    kind: 'waf',
    decisions: table.counts(),
    sites: waf.stats().map((s) => {
      const site = cfg.waf.sites.find((x) => x.name === s.site);
      return {
        name: s.site,
        listen: `${site?.listen.host ?? ''}:${waf.addresses().find((a) => a.site === s.site)?.port ?? ''}`,
        backend: site?.backend ?? '',
        sandbox: site?.sandbox ?? '',
        action: site?.action ?? '',
        requests: s.requests,
        attacks: Object.values(s.attacks).reduce((a, b) => a + b, 0),
        sandboxed: s.sandboxed,
        banned: s.banned,
      };
    }),
    ...(stream ? { stream: stream.status() } : {}),
  });
  const heartbeat =
    serverUrl && creds
      ? new Heartbeat({
          serverUrl,
          apiKey: () => creds?.api_key ?? null,
          intervalMs: creds.heartbeat_seconds * 1000,
          status,
          onOk: () => spool?.retryNow(),
          log,
        })
      : null;
  heartbeat?.start();
  let stopping: Promise<void> | null = null;
  return {
    waf,
    credentials: creds,
    stream,
    status,
    stop() {
      stopping ??= (async () => {
        await heartbeat?.stop();
        await stream?.stop();
        await waf.close();
        await spool?.close();
      })();
      return stopping;
    },
  } satisfies RunningWaf;
}
