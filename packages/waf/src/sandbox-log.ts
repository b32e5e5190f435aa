/**
 * Full log of sandboxed traffic: one NDJSON record per request (headers and bodies, bodies capped
 * with a `truncated` flag, base64 when not UTF-8), one file per site in sandbox_log.dir, rotated
 * by size (site.ndjson → site.ndjson.1 … .max_files). Site names are schema-validated
 * ([a-z0-9_-]), so attacker data never chooses a path.
 */
import { createWriteStream, mkdirSync, renameSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

/** Keeps the first `cap` bytes of a stream of chunks and counts the rest. */
export class BodyCapture {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  total = 0;

  constructor(private readonly cap: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.kept >= this.cap) return;
    const take = Math.min(chunk.length, this.cap - this.kept);
    this.chunks.push(take === chunk.length ? chunk : chunk.subarray(0, take));
    this.kept += take;
  }

  encode(): LoggedBody {
    const buf = Buffer.concat(this.chunks);
    const truncated = this.total > this.kept;
    const text = utf8(buf, truncated);
    return text === null
      ? { body: buf.toString('base64'), encoding: 'base64', bytes: this.total, truncated }
      : { body: text, encoding: 'utf8', bytes: this.total, truncated };
  }
}

const strict = new TextDecoder('utf-8', { fatal: true });

/** Decodes strict UTF-8; a cut at the cap may split one character, so allow trimming up to 3 bytes then. */
function utf8(buf: Buffer, truncated: boolean): string | null {
  for (let cut = 0; cut <= (truncated ? 3 : 0) && cut <= buf.length; cut++) {
    try {
      return strict.decode(buf.subarray(0, buf.length - cut));
    } catch {
      /* try a shorter cut */
    }
  }
  return null;
}

export interface LoggedBody {
  body: string;
  encoding: 'utf8' | 'base64';
  /** Bytes seen in total (may exceed what is kept). */
  bytes: number;
  truncated: boolean;
}

export interface SandboxRecord {
  '@timestamp': string;
  site: string;
  reason: string;
  source: { ip: string; port?: number };
  request: { method: string; url: string; http_version: string; headers: Record<string, unknown> } & LoggedBody;
  response: { status: number; headers: Record<string, unknown> } & LoggedBody;
  rule_ids: string[];
}

export interface SandboxLogOptions {
  dir: string;
  max_file_bytes: number;
  max_files: number;
}

class SiteLog {
  private stream: WriteStream;
  private size: number;

  constructor(
    private readonly path: string,
    private readonly opts: SandboxLogOptions,
  ) {
    this.size = fileSize(path);
    this.stream = this.open();
  }

  private open(): WriteStream {
    const s = createWriteStream(this.path, { flags: 'a', mode: 0o600 });
    s.on('error', () => {
      /* a full disk must not crash the proxy; records are lost and the stream is reopened on rotation */
    });
    return s;
  }

  write(line: string): void {
    const bytes = Buffer.byteLength(line);
    if (this.size > 0 && this.size + bytes > this.opts.max_file_bytes) this.rotate();
    this.stream.write(line);
    this.size += bytes;
  }

  private rotate(): void {
    this.stream.end();
    const n = this.opts.max_files;
    rmSync(`${this.path}.${n}`, { force: true });
    for (let i = n - 1; i >= 1; i--) {
      try {
        renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      } catch {
        /* gap in the sequence */
      }
    }
    renameSync(this.path, `${this.path}.1`);
    this.size = 0;
    this.stream = this.open();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }
}

function fileSize(p: string): number {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
}

export class SandboxLog {
  private readonly sites = new Map<string, SiteLog>();

  constructor(private readonly opts: SandboxLogOptions) {
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  }

  /** Path of a site's current log file. */
  pathFor(site: string): string {
    return join(this.opts.dir, `${site}.ndjson`);
  }

  write(rec: SandboxRecord): void {
    let log = this.sites.get(rec.site);
    if (!log) {
      log = new SiteLog(this.pathFor(rec.site), this.opts);
      this.sites.set(rec.site, log);
    }
    log.write(`${JSON.stringify(rec)}\n`);
  }

  async close(): Promise<void> {
    await Promise.all([...this.sites.values()].map((s) => s.close()));
    this.sites.clear();
  }
}
