/**
 * Starts a Kyoka server from a validated config: store, first-run admin, HTTP API + console,
 * syslog listeners, log-source receivers, and the background maintenance loop.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { ApiKeyVerifier } from './auth/api-keys.ts';
import { generatePassword, hashPassword } from './auth/passwords.ts';
import type { KyokaConfig } from './config/schema.ts';
import type { ServerContext } from './context.ts';
import { lockDataDir } from './data-lock.ts';
import { closeWithDeadline } from './http/limits.ts';
import { listenOrExplain } from './ingest/listen.ts';
import { startReceiver } from './ingest/receivers.ts';
import { IngestService } from './ingest/service.ts';
import { SourceStats } from './ingest/source-stats.ts';
import { startSyslog } from './ingest/syslog-server.ts';
import { EventWriter } from './ingest/writer.ts';
import { createMetrics } from './metrics/index.ts';
import { openStore } from './store/index.ts';
import type { Store } from './store/types.ts';

export function storeUrl(config: Readonly<KyokaConfig>): string {
  return config.db ?? `sqlite:${join(config.data, 'kyoka.db')}`;
}

/** Opens the configured store (creating the data directory for SQLite) and migrates it. */
export async function openConfiguredStore(config: Readonly<KyokaConfig>): Promise<Store> {
  if (!config.db) mkdirSync(config.data, { recursive: true, mode: 0o700 });
  return openStore({ url: storeUrl(config) });
}

export interface RunningServer {
  url: string;
  httpPort: number;
  syslog: { udpPort: number | null; tcpPort: number | null };
  receivers: Record<string, number>;
  /** Set only on the first run, when the admin account was created. */
  firstRun: { user: string; password: string | null } | null;
  ctx: ServerContext;
  app: FastifyInstance;
  stop(): Promise<void>;
}

export async function startServer(
  config: Readonly<KyokaConfig>,
  opts: { adminPassword?: string } = {},
): Promise<RunningServer> {
  // one server per SQLite data directory (created here, so the lock file has a place)
  let unlock = () => {};
  if (!config.db) {
    mkdirSync(config.data, { recursive: true, mode: 0o700 });
    unlock = lockDataDir(config.data);
  }
  let store: Store;
  try {
    store = await openConfiguredStore(config);
  } catch (err) {
    unlock();
    throw err;
  }
  const metrics = createMetrics();
  const stats = new SourceStats(store.meta);
  await stats.load();
  stats.register({ name: 'api', type: 'ecs', transport: 'http', port: null });
  const writer = new EventWriter(store.events, metrics, { maxQueue: config.ingest.maxQueue });
  const ctx: ServerContext = {
    config,
    store,
    events: store.events,
    meta: store.meta,
    metrics,
    ingest: new IngestService(writer, metrics, stats),
    keys: new ApiKeyVerifier(store.meta),
  };

  const closers: Array<() => Promise<void>> = [];
  const grace = config.http.shutdownTimeoutSec * 1000;
  const app = await buildApp(ctx);
  try {
    // The start banner says where Kyoka listens; fastify's own JSON "Server listening" line would
    // land in the middle of it, so info is muted for the listen call only.
    const level = app.log.level;
    if (level === 'info') app.log.level = 'warn';
    try {
      await listenOrExplain('http.port', config.http.port, 'tcp', () =>
        app.listen({ port: config.http.port, host: config.http.host }),
      );
    } finally {
      app.log.level = level;
    }
    closers.push(() => closeWithDeadline(app, grace));
    const syslog = await startSyslog(ctx);
    closers.push(syslog.close);
    const receivers: Record<string, number> = {};
    for (const rc of config.receivers) {
      const r = await startReceiver(ctx, rc);
      receivers[rc.name] = r.port;
      closers.push(() => closeWithDeadline(r.app, grace));
    }
    // The admin is created only once every listener is up: a start that fails (a port in use, a
    // bad host) must not leave an account whose generated password was never shown.
    let firstRun: RunningServer['firstRun'] = null;
    if ((await store.meta.countUsers()) === 0) {
      const password = opts.adminPassword ?? generatePassword();
      await store.meta.createUser({ name: 'admin', role: 'admin', passwordHash: await hashPassword(password) });
      firstRun = { user: 'admin', password: opts.adminPassword ? null : password };
    }
    const addr = app.server.address();
    const httpPort = typeof addr === 'object' && addr ? addr.port : config.http.port;
    const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
    const url = `${config.http.tls ? 'https' : 'http'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${httpPort}/`;

    const stopMaintenance = startMaintenance(ctx, stats);
    let stopped = false;
    return {
      url,
      httpPort,
      syslog: { udpPort: syslog.udpPort, tcpPort: syslog.tcpPort },
      receivers,
      firstRun,
      ctx,
      app,
      async stop() {
        if (stopped) return;
        stopped = true;
        stopMaintenance();
        // Stop accepting first, then store what was accepted, then close the store. Listeners
        // close together under one deadline (http.shutdownTimeoutSec): a client trickling a
        // body must not keep the process, and its SQLite handle, alive after the port is free.
        await Promise.all(closers.map((c) => c().catch(() => {})));
        await writer.close();
        await stats.save().catch(() => {});
        await store.close();
        unlock();
      },
    };
  } catch (err) {
    for (const c of closers.reverse()) await c().catch(() => {});
    await store.close();
    unlock();
    throw err;
  }
}

/** Seals partitions and builds indexes, applies retention, purges sessions, saves source stats. */
function startMaintenance(ctx: ServerContext, stats: SourceStats): () => void {
  let running = false;
  let lastRetention = 0;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await ctx.events.maintenance();
      const now = Date.now();
      if (now - lastRetention > 3_600_000) {
        lastRetention = now;
        const dropped = await ctx.events.deleteOlderThan(now - ctx.config.retention.days * 86_400_000);
        ctx.metrics.retentionDeleted.inc(dropped);
        await ctx.meta.purgeSessions(now);
      }
      await stats.save();
    } catch (err) {
      console.error('kyoka: maintenance failed:', (err as Error).message);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, 15_000);
  timer.unref();
  const first = setTimeout(tick, 2_000);
  first.unref();
  return () => {
    clearInterval(timer);
    clearTimeout(first);
  };
}
