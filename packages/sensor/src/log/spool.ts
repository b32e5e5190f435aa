/**
 * Kyoka's own log handler: OpenCanary records go to the shared on-disk spool (@kyoka/link) in
 * `<state>/spool` and reach the server as normalized events; see link/src/spool.ts for the
 * delivery guarantees.
 */
import { Spool, type SpoolOptions } from '@kyoka/link/spool';
import { lineToEvents } from './events.ts';
import type { HandlerEnv, LogHandler } from './handlers/types.ts';
import type { QueueStats } from './queue.ts';

export interface SpoolHandlerOptions extends Omit<SpoolOptions, 'toEvents' | 'count' | 'debug'> {
  env: HandlerEnv;
}

export class SpoolHandler implements LogHandler {
  readonly name = 'kyoka';
  private readonly spool: Spool;

  constructor(o: SpoolHandlerOptions) {
    this.spool = new Spool({
      ...o,
      toEvents: (line, id) => lineToEvents(line, id).map((ev) => JSON.stringify(ev)),
      count: (what) => o.env.count(what),
      debug: (msg) => o.env.debug(msg),
    });
  }

  handle(line: string): void {
    this.spool.push(line);
  }

  /** The server answered again (a heartbeat got through): retry now instead of after the backoff. */
  retryNow(): void {
    this.spool.retryNow();
  }

  stats(): QueueStats {
    return this.spool.stats();
  }

  close(timeoutMs?: number): Promise<void> {
    return this.spool.close(timeoutMs);
  }
}
