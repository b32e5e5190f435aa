/** Test helper: runs a program parser on one message and returns the event (or undefined). */
import type { EventInput } from '../../event/types.ts';
import { baseEvent } from '../util.ts';
import type { ProgramParser } from './common.ts';

export const CTX = { receivedAt: new Date('2026-11-21T12:00:00Z'), sourceName: 'test' };

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary nested fields
export type AnyEvent = Record<string, any>;

export function run(p: ProgramParser, msg: string): AnyEvent | undefined {
  const ev: EventInput = baseEvent(msg, CTX, p.name, 'test');
  return p.apply(msg, ev) ? ev : undefined;
}
