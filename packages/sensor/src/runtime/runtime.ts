/**
 * The sensor runtime: starts every enabled service from the registry with its ServiceContext,
 * writes OpenCanary's startup records, keeps the robustness counters, and live-reconfigures with
 * apply(newConf): services whose settings changed are restarted, removed ones stopped, new ones
 * started, the rest keep their connections. A service that cannot start is reported by name and
 * the others run.
 */
import type { LoadedConf } from '../config/conf.ts';
import { enabledServices } from '../config/validate.ts';
import { CommitGroup } from '../log/commit.ts';
import type { LogHandler } from '../log/handlers/types.ts';
import { createLogger, type SensorLogger } from '../log/logger.ts';
import { ensureStateDir, nodeId, stateDirOf } from '../personality/node.ts';
import type { HoneypotService, ServiceContext, ServicePort } from '../service/types.ts';
import { loadFactory, serviceInfo } from '../services/registry.ts';

export interface ServiceStatus {
  name: string;
  ports: ServicePort[];
  status: 'running' | 'failed';
  error?: string;
}

export interface RuntimeOptions {
  /** State dir when the config sets none (the all-in-one passes `<data>/sensor`). */
  defaultStateDir?: string;
  /** Console handler even when the config has none. */
  dev?: boolean;
  /** Handlers owned by the caller (Kyoka spool, in-process sink), kept across apply(). */
  extraHandlers?: LogHandler[];
  debug?: (msg: string) => void;
}

/** Keys outside `<service>.` that every service reads: a change restarts them all. */
const GLOBAL_KEYS = [
  'device.listen_addr',
  'kyoka.personality',
  'kyoka.proxy_protocol',
  'kyoka.max_connections',
  'kyoka.max_connections_per_source',
];

function serviceKeys(values: Readonly<Record<string, unknown>>, name: string): string {
  const own = Object.keys(values)
    .filter((k) => k.startsWith(`${name}.`) || GLOBAL_KEYS.includes(k))
    .sort();
  return JSON.stringify(own.map((k) => [k, values[k]]));
}

function loggerKeys(values: Readonly<Record<string, unknown>>): string {
  return JSON.stringify([
    values.logger,
    values['ip.ignorelist'],
    values['logtype.ignorelist'],
    values['device.node_id'],
  ]);
}

interface Running {
  service: HoneypotService;
  fingerprint: string;
}

export class SensorRuntime {
  private running = new Map<string, Running>();
  private failed = new Map<string, ServiceStatus>();
  private logger!: SensorLogger;
  private loggerFp = '';
  private nodeIdValue = '';
  readonly counters = new Map<string, number>();
  /** One group commit for every logger this runtime builds (services keep their context across rebuilds). */
  readonly commit = new CommitGroup();
  readonly stateDir: string;
  private eventsBase = 0;

  constructor(
    private conf: LoadedConf,
    private readonly opts: RuntimeOptions = {},
  ) {
    this.stateDir = ensureStateDir(stateDirOf(conf, opts.defaultStateDir));
  }

  get nodeId(): string {
    return this.nodeIdValue;
  }

  get config(): LoadedConf {
    return this.conf;
  }

  /** Records written since start (across logger rebuilds). */
  get eventsTotal(): number {
    return this.eventsBase + (this.logger?.total ?? 0);
  }

  private count = (service: string, what: string) => {
    const k = `${service}.${what}`;
    this.counters.set(k, (this.counters.get(k) ?? 0) + 1);
  };

  private debug = (msg: string) => this.opts.debug?.(msg);

  private buildLogger(): void {
    this.nodeIdValue = nodeId(this.conf);
    this.logger = createLogger({
      conf: this.conf,
      nodeId: this.nodeIdValue,
      dev: this.opts.dev,
      extra: this.opts.extraHandlers,
      env: { count: (w) => this.count('logger', w), debug: this.debug, stateDir: this.stateDir },
      commit: this.commit,
    });
    this.loggerFp = loggerKeys(this.conf.values);
  }

  private context(): ServiceContext {
    return {
      conf: this.conf,
      log: (c, t, d, o) => this.logger.log(c, t, d, o),
      stateDir: this.stateDir,
      listenAddr: this.conf.get<string>('device.listen_addr', ''),
      count: this.count,
      debug: this.debug,
      commit: this.commit,
    };
  }

  private async startOne(name: string): Promise<void> {
    const info = serviceInfo(name);
    try {
      const factory = await loadFactory(name);
      const service = factory(this.context());
      await service.start();
      this.running.set(name, { service, fingerprint: serviceKeys(this.conf.values, name) });
      this.failed.delete(name);
      this.logger.msg(`Added service from class ${info?.klass} in opencanary.modules.${info?.module} to fake`);
    } catch (err) {
      const error = (err as Error)?.message ?? String(err);
      const port = this.conf.get<number | null>(`${name}.port`, info?.port ?? null);
      this.failed.set(name, {
        name,
        ports: port === null || info?.transport === 'none' ? [] : [{ port, transport: info?.transport as 'tcp' }],
        status: 'failed',
        error,
      });
      this.count(name, 'start_failed');
      this.logger.msg(`Failed to start ${info?.klass} in opencanary.modules.${info?.module}: ${error}`);
    }
  }

  /** Starts the logger and every enabled service; resolves when all have started or failed. */
  async start(): Promise<ServiceStatus[]> {
    this.buildLogger();
    for (const name of enabledServices(this.conf.values)) await this.startOne(name);
    this.logger.msg('Canary running!!!');
    return this.status();
  }

  /** Live reconfiguration without restarting the process. */
  async apply(next: LoadedConf): Promise<ServiceStatus[]> {
    const prev = this.conf;
    this.conf = next;
    if (loggerKeys(next.values) !== this.loggerFp) {
      const old = this.logger;
      this.eventsBase += old.total;
      this.buildLogger();
      await old.close();
    }
    const want = new Set(enabledServices(next.values));
    for (const [name, r] of [...this.running]) {
      if (!want.has(name) || r.fingerprint !== serviceKeys(next.values, name)) {
        await r.service.stop().catch((err) => this.debug(`${name}: stop failed: ${err}`));
        this.running.delete(name);
      }
    }
    for (const name of [...this.failed.keys()]) if (!want.has(name)) this.failed.delete(name);
    for (const name of want) if (!this.running.has(name)) await this.startOne(name);
    this.debug(`config applied (${Object.keys(prev.values).length} -> ${Object.keys(next.values).length} keys)`);
    return this.status();
  }

  status(): ServiceStatus[] {
    const out: ServiceStatus[] = [];
    for (const [name, r] of this.running) out.push({ name, ports: r.service.ports.slice(), status: 'running' });
    for (const f of this.failed.values()) out.push(f);
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The logger, for records outside any service (tests, the management client). */
  get log(): SensorLogger {
    return this.logger;
  }

  async stop(): Promise<void> {
    for (const [name, r] of this.running)
      await r.service.stop().catch((err) => this.debug(`${name}: stop failed: ${err}`));
    this.running.clear();
    await this.logger?.close();
  }
}

/** Human listing: "ftp  tcp/2121" or "ssh  FAILED: ... port 22 ... in use". */
export function describeStatus(list: ServiceStatus[], host = ''): string[] {
  const where = host === '' ? '*' : host;
  return list.map((s) => {
    const ports = s.ports.map((p) => `${p.transport} ${where}:${p.port}`).join(', ') || '(no port)';
    return s.status === 'running' ? `  ${s.name.padEnd(12)} ${ports}` : `  ${s.name.padEnd(12)} FAILED: ${s.error}`;
  });
}
