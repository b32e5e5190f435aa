/**
 * Minimal RESP2 reply reader for the Redis collectors (simple strings, errors, integers, bulk
 * strings, nested arrays), written here because the agent only needs a handful of request /
 * reply exchanges and MONITOR's line stream, not a full client library. Input is bounded by
 * the caller; depth is bounded here.
 */
export type RespValue = string | number | null | RespError | RespValue[];

export class RespError {
  constructor(readonly message: string) {}
}

const MAX_DEPTH = 8;

/** Encodes a command as a RESP array of bulk strings. */
export function respCommand(args: string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.from(a, 'utf8');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Reads one reply at `pos`; undefined when the buffer does not hold all of it yet. */
export function readReply(buf: Buffer, pos = 0, depth = 0): { value: RespValue; next: number } | undefined {
  if (depth > MAX_DEPTH) throw new Error('RESP reply nested too deeply');
  const eol = buf.indexOf('\r\n', pos);
  if (eol === -1) return undefined;
  const type = buf[pos];
  const line = buf.toString('utf8', pos + 1, eol);
  const next = eol + 2;
  switch (type) {
    case 43 /* + */:
      return { value: line, next };
    case 45 /* - */:
      return { value: new RespError(line), next };
    case 58 /* : */:
      return { value: Number(line), next };
    case 36 /* $ */:
      {
        const n = Number(line);
        if (n < 0) return { value: null, next };
        if (!Number.isSafeInteger(n)) throw new Error('bad RESP bulk length');
        if (buf.length < next + n + 2) return undefined;
        return { value: buf.toString('utf8', next, next + n), next: next + n + 2 };
      }
    case 42 /* * */:
      {
        const n = Number(line);
        if (n < 0) return { value: null, next };
        if (!Number.isSafeInteger(n) || n > 1_000_000) throw new Error('bad RESP array length');
        const out: RespValue[] = [];
        let p = next;
        for (let i = 0; i < n; i++) {
          const r = readReply(buf, p, depth + 1);
          if (r === undefined) return undefined;
          out.push(r.value);
          p = r.next;
        }
        return { value: out, next: p };
      }
    default:
      throw new Error(`bad RESP reply type ${String(type)}`);
  }
}
