/**
 * The part of a TCP connection a line-protocol honeypot service uses. net.Socket has it, and so
 * does RawConn (raw-tcp.ts), the cheaper transport tcp.ts picks for services that take a Conn.
 * Semantics are net.Socket's with allowHalfOpen false: listeners run with `this` = the connection;
 * end() sends FIN after pending output and the connection closes once the peer's FIN is in too;
 * a peer's FIN is answered with ours; destroy() closes at once; 'close' comes last, once.
 * One exception on the raw transport: after a record was logged for the connection, its writes,
 * end() and destroy() wait for the group commit's write (../log/commit.ts), one event-loop turn.
 */
export interface Conn {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  readonly bytesRead: number;
  /** undefined on a net.Socket torn down by node. */
  readonly bytesWritten: number | undefined;
  readonly destroyed: boolean;
  /** end() or destroy() was called: nothing more goes out. */
  readonly writableEnded: boolean;
  write(chunk: string | Uint8Array): boolean;
  end(chunk?: string | Uint8Array): this;
  destroy(): this;
  /** Closes once pending output is flushed, without waiting for the peer's FIN (a server's exit). */
  destroySoon(): void;
  /** Holds writes until the matching uncork(), then sends them in one system call. */
  cork(): void;
  uncork(): void;
  pause(): this;
  resume(): this;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'close', listener: () => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
}
