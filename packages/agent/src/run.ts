/**
 * The `kyoka agent` process: enrolls (once) with the server, installs kernel enforcement for the
 * protected ports, follows the decision push stream into it, runs the service log collectors
 * whose events go through the on-disk spool to the server, and heartbeats its status. The
 * server's own addresses are added to the management list, so the agent never cuts its own
 * path to the server. stop() removes every rule it added.
 */
import { lookup } from 'node:dns/promises';
import { mkdirSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import {
  type DecisionBatch,
  DecisionStream,
  ensureEnrolled,
  Heartbeat,
  type NodeCredentials,
  Spool,
} from '@kyoka/link';
import { type Collectors, createCollectors } from './collect/index.ts';
import type { AgentConfig } from './config.ts';
import { type ApplyResult, createEnforcer, type Enforcer, type EnforcerOptions } from './enforce/index.ts';

export interface RunAgentOptions {
  version: string;
  log?: (msg: string, extra?: object) => void;
  /** Called after each batch reached the kernel (benchmarks measure decision latency here). */
  onApplied?: (batch: DecisionBatch, result: ApplyResult) => void;
  /** Enforcement overrides (tests run the commands inside a network namespace). */
  enforcer?: EnforcerOptions;
  hostname?: string;
}

export interface RunningAgent {
  credentials: NodeCredentials;
  enforcer: Enforcer | null;
  collectors: Collectors;
  stream: DecisionStream | null;
  status(): Record<string, unknown>;
  stop(): Promise<void>;
}

/** The server's addresses (the management path that must never be enforced on). */
async function serverAddresses(url: string): Promise<string[]> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  try {
    return (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return [];
  }
}

export async function runAgent(cfg: AgentConfig, o: RunAgentOptions): Promise<RunningAgent> {
  const log = o.log ?? (() => {});
  const hostname = o.hostname ?? osHostname();
  mkdirSync(cfg.state_dir, { recursive: true, mode: 0o700 });
  const creds = await ensureEnrolled({
    serverUrl: cfg.server.url,
    stateDir: cfg.state_dir,
    kind: 'agent',
    hostname,
    version: o.version,
    name: cfg.name,
    token: cfg.server.token,
    apiKey: cfg.server.api_key,
  });
  const apiKey = () => creds.api_key;

  let enforcer: Enforcer | null = null;
  let stream: DecisionStream | null = null;
  if (cfg.enforce) {
    const management = [...new Set([...cfg.enforce.management, ...(await serverAddresses(cfg.server.url))])];
    enforcer = await createEnforcer({ ...cfg.enforce, management }, { log, ...o.enforcer });
    const enf = enforcer;
    stream = new DecisionStream({
      serverUrl: cfg.server.url,
      apiKey,
      cacheFile: join(cfg.state_dir, 'decisions.json'),
      log,
      onBatch: async (batch) => {
        const r = await enf.apply(batch);
        if (!r.ok) throw new Error(r.error ?? 'apply failed');
        o.onApplied?.(batch, r);
      },
    });
  }

  const spool = new Spool({
    dir: join(cfg.state_dir, 'spool'),
    serverUrl: cfg.server.url,
    apiKey,
    toEvents: (rec) => [rec],
    count: (what) => log(`spool: ${what}`),
  });
  const collectors = createCollectors(cfg.collectors, {
    stateDir: join(cfg.state_dir, 'collectors'),
    emit: (e) => spool.push(JSON.stringify(e)),
    observer: { name: cfg.name ?? hostname, hostname, type: 'agent' },
    log,
  });

  const status = (): Record<string, unknown> => {
    const es = enforcer?.stats();
    return {
      version: o.version,
      hostname,
      kind: 'agent',
      ...(es
        ? {
            backend: es.backend,
            protect: cfg.enforce?.protect.map((p) => ({
              port: Array.isArray(p.port) ? `${p.port[0]}-${p.port[1]}` : p.port,
              protocol: p.protocol,
              mode: p.mode,
              ...(p.sandbox ? { sandbox: p.sandbox } : {}),
            })),
            decisions: es.decisions,
            rules: es.rules,
          }
        : {}),
      collectors: collectors.stats().map((c) => ({
        name: c.name,
        type: c.type,
        target: c.target,
        lines: c.lines,
        events: c.events,
        errors: c.errors,
      })),
      ...(stream ? { stream: stream.status() } : {}),
    };
  };
  const heartbeat = new Heartbeat({
    serverUrl: cfg.server.url,
    apiKey,
    intervalMs: creds.heartbeat_seconds * 1000,
    status,
    onOk: () => spool.retryNow(),
    log,
  });

  await stream?.start();
  await collectors.start();
  heartbeat.start();

  let stopping: Promise<void> | null = null;
  return {
    credentials: creds,
    enforcer,
    collectors,
    stream,
    status,
    stop() {
      stopping ??= (async () => {
        await heartbeat.stop();
        await stream?.stop();
        await collectors.stop();
        await enforcer?.close();
        await spool.close();
      })();
      return stopping;
    },
  };
}
