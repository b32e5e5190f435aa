/**
 * What every log handler implements. The synchronous ones (file, console) buffer in handle() and
 * write in flush(), which the logger calls before the reply may go out (see ../commit.ts); the
 * network ones enqueue in handle() and have no flush().
 */
import type { OpenCanaryRecord } from '../format.ts';
import type { QueueStats } from '../queue.ts';

export interface LogHandler {
  readonly name: string;
  /** `line` is the formatted message without the trailing newline. */
  handle(line: string, rec: OpenCanaryRecord): void;
  /** Writes what handle() buffered. */
  flush?(): void;
  close(): Promise<void>;
  stats?(): QueueStats;
}

export type HandlerConfig = Record<string, unknown>;

export interface HandlerEnv {
  /** Counts a handler problem (drops, send failures) for the heartbeat. */
  count(what: string): void;
  debug(msg: string): void;
  stateDir: string;
}

/** A python logging format string applied to one record: %(message)s and the few fields OpenCanary's examples use. */
export type Formatter = (line: string) => string;
