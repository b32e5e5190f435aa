/**
 * The neutral core of ingest: every adapter (events API, log-source receivers, syslog)
 * hands records here with the name of their log source. Records are parsed by the source's
 * parser (or taken as ECS events), completed and validated, counted, and stored.
 */
import { KyokaError, type KyokaEvent, normalizeEvent } from '@kyoka/core';
import { createParser, type Parser } from '@kyoka/core/parsers/index';
import type { Metrics } from '../metrics/index.ts';
import type { DecodedRecord } from './decode.ts';
import type { SourceStats } from './source-stats.ts';
import type { EventWriter } from './writer.ts';

export interface RecordError {
  index: number;
  error: string;
  message: string;
}

export interface IngestSource {
  name: string;
  /** Parser type; 'ecs' means records are Kyoka/ECS events already. */
  type: 'ecs' | 'json' | 'opencanary' | 'webproxy' | 'syslog';
  transport: 'http' | 'udp' | 'tcp' | 'tls';
}

export class IngestService {
  private readonly parsers = new Map<string, Parser>();

  constructor(
    readonly writer: EventWriter,
    readonly metrics: Metrics,
    readonly stats: SourceStats,
  ) {}

  private parser(type: string): Parser {
    let p = this.parsers.get(type);
    if (!p) {
      p = createParser(type as Parameters<typeof createParser>[0]);
      this.parsers.set(type, p);
    }
    return p;
  }

  /** Turns decoded records into complete events; bad ones are returned by index. */
  prepare(
    records: DecodedRecord[],
    source: IngestSource,
    peer: { ip?: string; port?: number },
    receivedAt = Date.now(),
  ): { events: KyokaEvent[]; errors: RecordError[] } {
    const events: KyokaEvent[] = [];
    const errors: RecordError[] = [];
    const norm = { receivedAt, source: source.name };
    const parser = source.type === 'ecs' ? undefined : this.parser(source.type);
    const ctx = {
      receivedAt: new Date(receivedAt),
      sourceName: source.name,
      peerIp: peer.ip,
      peerPort: peer.port,
      transport: source.transport,
    };
    for (const rec of records) {
      try {
        if (!parser) {
          events.push(normalizeEvent(rec.value as Record<string, unknown>, norm));
          continue;
        }
        const input = rec.raw ?? (typeof rec.value === 'string' ? rec.value : (rec.value as Record<string, unknown>));
        for (const e of parser.parse(input, ctx)) events.push(normalizeEvent(e, norm));
      } catch (err) {
        const ke =
          err instanceof KyokaError ? err : new KyokaError('KYOKA_E_BAD_EVENT', (err as Error)?.message ?? String(err));
        errors.push({ index: rec.index, error: ke.code, message: ke.message });
      }
    }
    if (errors.length) {
      this.metrics.parseFailures.inc({ source: source.name, reason: 'invalid' }, errors.length);
      this.stats.failed(source.name, errors.length);
    }
    return { events, errors };
  }

  /** Counts bytes and events for a source (after acceptance). */
  accepted(source: string, events: number, bytes: number): void {
    this.metrics.ingestEvents.inc({ source }, events);
    this.metrics.ingestBytes.inc({ source }, bytes);
    this.stats.received(source, events, bytes);
  }

  /** Counts input that could not be decoded at all (bad framing, bad JSON body, garbage). */
  malformed(source: string, reason: string, n = 1): void {
    this.metrics.parseFailures.inc({ source, reason }, n);
    this.stats.failed(source, n);
  }
}
