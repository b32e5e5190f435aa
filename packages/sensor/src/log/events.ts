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

/** Lines the in-process sink holds before it refuses more (a stalled event loop, not a slow server). */
const SINK_MAX_PENDING = 50_000;

/**
 * The in-process sink (all-in-one): records are converted and delivered in batches off the
 * service's path, with the bytes of their log lines (the server counts them per source).
 * `dropped` counts lines refused while SINK_MAX_PENDING were waiting.
 */
export function sinkHandler(deliver: (events: EventInput[], bytes: number) => void, dropped: () => void = () => {}) {
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const lines = pending;
    pending = [];
    const out: EventInput[] = [];
    let bytes = 0;
    for (const l of lines) {
      bytes += Buffer.byteLength(l) + 1;
      out.push(...lineToEvents(l));
    }
    if (out.length) deliver(out, bytes);
  };
  return {
    name: 'kyoka-sink',
    handle(line: string) {
      if (pending.length >= SINK_MAX_PENDING) {
        dropped();
        return;
      }
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
