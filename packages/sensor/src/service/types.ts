/**
 * The contract between the sensor runtime and its honeypot services. Every service (ftp, ssh,
 * redis...) is a factory `(ctx) => HoneypotService`; the runtime owns config, logging, limits
 * and PROXY-protocol handling, so a service only speaks its protocol.
 */
import type { CommitGroup } from '../log/commit.ts';

/** The four address fields of an OpenCanary record (src_* is the attacker). */
export interface ConnMeta {
  src_host: string;
  /** A number, except where OpenCanary writes text (portscan and smb records, parsed from logs). */
  src_port: number | string;
  dst_host: string;
  dst_port: number | string;
}

/** Read-only view of the flat OpenCanary config (dotted keys), validated and $VAR-expanded. */
export interface SensorConf {
  /** The configured value, else the personality profile's, else `fallback`. */
  get<T>(key: string, fallback: T): T;
  has(key: string): boolean;
}

export interface LogOptions {
  /** OpenCanary's top-level `honeycred` flag (telnet and other services with honeycreds). */
  honeycred?: boolean;
}

export interface ServiceContext {
  conf: SensorConf;
  /**
   * Writes one OpenCanary record. The synchronous sinks (file, console) are written and flushed
   * before this returns, so a service calls it BEFORE sending its reply; network sinks
   * (syslog, webhook, Kyoka server...) are queued and never block the caller.
   * `conn` null: a record without addresses (dst_host "", ports -1).
   */
  log(conn: ConnMeta | null, logtype: number, logdata: Record<string, unknown>, opts?: LogOptions): void;
  /** Per-node state directory (host keys, certificates); created, mode 0700. */
  stateDir: string;
  /** Address services bind to (OpenCanary `device.listen_addr`, "" or "0.0.0.0" = all). */
  listenAddr: string;
  /** Counts a robustness event (bad input, limit hit) for /metrics: `service` + `what`. */
  count(service: string, what: string): void;
  /** Non-record diagnostics (bind failures, protocol errors worth a developer's eye). */
  debug(msg: string): void;
  /** The logger's group commit (../log/commit.ts): raw connections hold replies for its write. */
  commit?: CommitGroup;
}

export interface ServicePort {
  port: number;
  transport: 'tcp' | 'udp';
}

export interface HoneypotService {
  /** Config prefix and display name: `ftp`, `tcpbanner_1`... */
  readonly name: string;
  /** What this service binds, known before start (duplicate checks, the banner); after start() the
   * bound numbers (port 0 in tests becomes the kernel's choice). */
  readonly ports: ServicePort[];
  /** Binds and starts serving; rejects with KyokaError KYOKA_E_PORT_IN_USE naming the port. */
  start(): Promise<void>;
  /** Stops listening and closes open connections. */
  stop(): Promise<void>;
}

export type ServiceFactory = (ctx: ServiceContext) => HoneypotService;
