/**
 * The normalized Kyoka event: ECS field names (nested objects), plus `kyoka.*` for what ECS
 * lacks. Producers fill what they know; the server fills `id` and `@timestamp` when missing.
 */
export interface KyokaEvent {
  id: string;
  '@timestamp': string;
  event: {
    kind?: 'event' | 'alert' | 'metric' | 'state' | 'signal';
    category?: string[];
    type?: string[];
    action?: string;
    outcome?: 'success' | 'failure' | 'unknown';
    severity?: number;
    dataset?: string;
    module?: string;
    original?: string;
    /** When the server received it (set by ingest). */
    ingested?: string;
    [k: string]: unknown;
  };
  observer?: { name?: string; type?: string; hostname?: string; ip?: string; [k: string]: unknown };
  source?: {
    ip?: string;
    port?: number;
    address?: string;
    geo?: Record<string, unknown>;
    as?: Record<string, unknown>;
    [k: string]: unknown;
  };
  destination?: { ip?: string; port?: number; address?: string; [k: string]: unknown };
  network?: { transport?: string; protocol?: string; [k: string]: unknown };
  user?: { name?: string; [k: string]: unknown };
  url?: { full?: string; original?: string; domain?: string; path?: string; scheme?: string; [k: string]: unknown };
  http?: {
    request?: { method?: string; [k: string]: unknown };
    response?: { status_code?: number; body?: { bytes?: number }; [k: string]: unknown };
    [k: string]: unknown;
  };
  user_agent?: { original?: string };
  host?: { name?: string; hostname?: string; ip?: string[] | string; [k: string]: unknown };
  process?: { name?: string; pid?: number; command_line?: string; [k: string]: unknown };
  file?: { path?: string; [k: string]: unknown };
  log?: { syslog?: Record<string, unknown>; file?: { path?: string }; [k: string]: unknown };
  message?: string;
  tags?: string[];
  labels?: Record<string, string>;
  kyoka?: {
    /** Log source that received the event (e.g. "http", "syslog", a named receiver). */
    source?: string;
    credentials?: { username?: string; password?: string; [k: string]: unknown };
    opencanary?: { logtype?: number; logdata?: Record<string, unknown>; node_id?: string };
    honeypot?: { service?: string };
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/** Event as a producer may submit it: everything optional; the server completes it. */
export type EventInput = Partial<KyokaEvent> & Record<string, unknown>;
