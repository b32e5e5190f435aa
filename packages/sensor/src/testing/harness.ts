/**
 * Test harness for one honeypot service: a ServiceContext over an in-memory config that
 * collects records instead of writing them. Service tests start the service on port 0
 * (`<name>.port: 0`) and drive it with real clients.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  ConnMeta,
  HoneypotService,
  LogOptions,
  SensorConf,
  ServiceContext,
  ServiceFactory,
} from '../service/types.ts';

export interface CapturedRecord {
  conn: ConnMeta | null;
  logtype: number;
  logdata: Record<string, unknown>;
  opts?: LogOptions;
}

export function memoryConf(values: Record<string, unknown>): SensorConf {
  return {
    get: <T>(key: string, fallback: T): T => (key in values ? (values[key] as T) : fallback),
    has: (key) => key in values,
  };
}

export interface Harness {
  ctx: ServiceContext;
  records: CapturedRecord[];
  counts: Map<string, number>;
  /** Resolves with the first record (from now or earlier) matching `pred`, or rejects after timeoutMs. */
  waitFor(pred: (r: CapturedRecord) => boolean, timeoutMs?: number): Promise<CapturedRecord>;
  cleanup(): void;
}

export function harness(conf: Record<string, unknown>): Harness {
  const stateDir = mkdtempSync(join(tmpdir(), 'kyoka-sensor-test-'));
  const records: CapturedRecord[] = [];
  const counts = new Map<string, number>();
  const waiters: Array<() => void> = [];
  const ctx: ServiceContext = {
    conf: memoryConf(conf),
    log(conn, logtype, logdata, opts) {
      records.push({ conn, logtype, logdata, opts });
      for (const w of waiters.splice(0)) w();
    },
    stateDir,
    listenAddr: '127.0.0.1',
    count(service, what) {
      const k = `${service}:${what}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    },
    debug: () => {},
  };
  return {
    ctx,
    records,
    counts,
    waitFor(pred, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching record in ${timeoutMs} ms; got ${JSON.stringify(records)}`)),
          timeoutMs,
        );
        const check = () => {
          const r = records.find(pred);
          if (r) {
            clearTimeout(timer);
            resolve(r);
          } else waiters.push(check);
        };
        check();
      });
    },
    cleanup: () => rmSync(stateDir, { recursive: true, force: true }),
  };
}

/** Starts `factory` with `conf` under a harness; returns the service, its first bound port and the harness. */
export async function startService(
  factory: ServiceFactory,
  conf: Record<string, unknown>,
): Promise<{ service: HoneypotService; h: Harness; stop(): Promise<void> }> {
  const h = harness(conf);
  const service = factory(h.ctx);
  await service.start();
  return {
    service,
    h,
    async stop() {
      await service.stop();
      h.cleanup();
    },
  };
}
