/**
 * OpenCanary line -> Kyoka event, through the core's OpenCanary parser (the one mapping, shared
 * with the server's receivers). The id is the ULID fixed when the record was spooled, so a batch
 * sent twice is stored once.
 */
import { createParser, type EventInput, newId } from '@kyoka/core';

const parser = createParser('opencanary');
export const SENSOR_SOURCE = 'sensor';

/** Events for one line (normally one); [] when the line does not parse (a torn spool tail). */
export function lineToEvents(line: string, id: string = newId(), receivedAt = new Date()): EventInput[] {
  try {
    const evs = parser.parse(line, { receivedAt, sourceName: SENSOR_SOURCE, transport: 'tcp' });
    evs.forEach((e, i) => {
      e.id = i === 0 ? id : `${id}.${i}`;
    });
    return evs;
  } catch {
    return [];
  }
}

/** The in-process sink (all-in-one): records are converted and delivered in batches off the service's path. */
export function sinkHandler(deliver: (events: EventInput[]) => void) {
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const lines = pending;
    pending = [];
    const out: EventInput[] = [];
    for (const l of lines) out.push(...lineToEvents(l));
    if (out.length) deliver(out);
  };
  return {
    name: 'kyoka-sink',
    handle(line: string) {
      if (pending.length >= 50_000) return;
      pending.push(line);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    async close() {
      if (pending.length) flush();
    },
  };
}
