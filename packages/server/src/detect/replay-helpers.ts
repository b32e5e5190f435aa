/**
 * Test helpers for the built-in rule pack: real log lines through the real parsers
 * (syslog, program log files, OpenCanary JSON) and normalizeEvent, then the engine on event
 * time. Summaries are `rule id → [event count, decision value or '-']` for exact comparison.
 */
import {
  createParser,
  type EventInput,
  type KyokaEvent,
  normalizeEvent,
  type ParseContext,
  parseProgramLine,
} from '@kyoka/core';
import { createEngine } from './engine.ts';
import { loadRuleSources } from './load.ts';
import { BUILTIN_RULES_DIR, readRulesDir } from './rules-dir.ts';
import type { Detection } from './types.ts';
import type { WhitelistSpec } from './whitelist.ts';

const CTX: ParseContext = { receivedAt: new Date('2026-11-21T12:00:00Z'), sourceName: 'replay' };
const norm = (e: EventInput): KyokaEvent =>
  normalizeEvent(e, { receivedAt: CTX.receivedAt.getTime(), source: 'replay' });

export function syslogLines(lines: string[]): KyokaEvent[] {
  const p = createParser('syslog');
  return lines.flatMap((l) => p.parse(l, CTX).map(norm));
}

export function programLines(program: string, lines: string[]): KyokaEvent[] {
  return lines.map((l) => norm(parseProgramLine(program, l, CTX)));
}

export function opencanaryLines(lines: string[]): KyokaEvent[] {
  const p = createParser('opencanary');
  return lines.flatMap((l) => p.parse(l, CTX).map(norm));
}

let sec = 0;
/** An OpenCanary line as the sensor writes it (one second apart). */
export function oc(logtype: number, src: string, dport: number, logdata: Record<string, unknown>, extra = ''): string {
  sec++;
  const t = new Date(Date.UTC(2026, 10, 21, 11, 0, 0) + sec * 1000).toISOString().replace('T', ' ').replace('Z', '000');
  return `{"dst_host": "192.0.2.10", "dst_port": ${dport}, ${extra}"local_time": "${t}", "logdata": ${JSON.stringify(logdata)}, "logtype": ${logtype}, "node_id": "canary-1", "src_host": "${src}", "src_port": 51234, "utc_time": "${t}"}`;
}

const builtin = loadRuleSources(readRulesDir(BUILTIN_RULES_DIR).sources);

/** Runs the built-in pack over events (event clock) and summarizes what came out. */
export function replay(
  events: KyokaEvent[],
  whitelist?: WhitelistSpec,
): { detections: Detection[]; summary: Record<string, string[]> } {
  if (builtin.errors.length > 0) throw new Error(JSON.stringify(builtin.errors));
  const e = createEngine({ rules: builtin.rules, clock: 'event', ...(whitelist ? { whitelist } : {}) });
  const detections = e.process(events);
  const summary: Record<string, string[]> = {};
  for (const d of detections) {
    const list = summary[d.rule.id] ?? [];
    list.push(
      `${d.count}:${d.decision ? `${d.decision.type} ${d.decision.value} ${d.decision.duration_ms / 3_600_000}h` : '-'}`,
    );
    summary[d.rule.id] = list;
  }
  return { detections, summary };
}
