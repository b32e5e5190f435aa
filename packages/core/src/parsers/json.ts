/**
 * Generic JSON parser. ECS-shaped objects (nested `event`, `source`, ...) are kept; flat
 * dotted keys ("source.ip") are folded into nested objects; `@timestamp` / `timestamp` /
 * `time` become `@timestamp`. Known IP fields are normalized and invalid ones dropped.
 */
import type { EventInput } from '../event/types.ts';
import type { ParseContext, Parser } from './types.ts';
import {
  badEvent,
  isPlainObject,
  normalizeIp,
  type Obj,
  parseJsonObject,
  receivedIso,
  safeSet,
  toIsoTime,
  toPort,
  unsafeKey,
} from './util.ts';

const IP_FIELDS = ['source', 'destination', 'client', 'server', 'observer'] as const;
const COPIED = ['event', 'kyoka', 'user', 'url', 'http', 'host', 'process', 'log', ...IP_FIELDS];
const MAX_ARRAY = 10_000;
const EVENT_STRINGS = ['action', 'dataset', 'module', 'kind', 'outcome'] as const;
const DEFAULTS = { dataset: 'json', module: 'json' };

/**
 * Turns an already-parsed JSON object into an event. `original` is the raw text (the
 * caller's string, or one JSON.stringify for object input). Does not mutate `obj` beyond its
 * top level copy: nested objects that get normalized are copied first.
 */
export function jsonToEvent(obj: Obj, original: string, ctx: ParseContext, defaults = DEFAULTS): EventInput {
  // Fast path: one spread behind a fixed prefix (keeps the fields written below in-object;
  // `delete` or new keyed properties would drop V8 into slow dictionary objects).
  let dotted: string[] | undefined;
  let unsafe = false;
  for (const k in obj) {
    if (k.indexOf('.') > 0) {
      if (dotted === undefined) dotted = [];
      dotted.push(k);
    } else if (unsafeKey(k)) {
      unsafe = true;
    }
  }
  let ev: Obj;
  if (dotted === undefined && !unsafe) {
    ev = { '@timestamp': undefined, event: undefined, kyoka: undefined, ...obj };
  } else {
    ev = { '@timestamp': undefined, event: undefined, kyoka: undefined };
    for (const k of Object.keys(obj)) if (k.indexOf('.') <= 0 && !unsafeKey(k)) ev[k] = obj[k];
  }
  // Copy the nested objects we are about to write into, so the caller's object stays intact.
  // ECS reserves these names for objects: a scalar "source": "app" would make the event
  // invalid downstream, so it is moved to kyoka.unmapped.<key>.
  let unmapped: Obj | undefined;
  for (const k of COPIED) {
    const v = ev[k];
    if (v === undefined) continue;
    if (isPlainObject(v)) {
      if (k !== 'event' && k !== 'kyoka') ev[k] = { ...v }; // those two are rebuilt below
    } else {
      if (unmapped === undefined) unmapped = {};
      unmapped[k] = v;
      ev[k] = undefined; // not `delete`: keeps ev a fast-mode object
    }
  }
  if (dotted !== undefined) {
    for (const k of dotted) {
      const top = k.slice(0, k.indexOf('.'));
      if (isPlainObject(ev[top]) && ev[top] === obj[top]) ev[top] = { ...(ev[top] as Obj) };
      safeSet(ev, k, obj[k]);
    }
  }

  let ts = ev['@timestamp'] !== undefined ? toIsoTime(ev['@timestamp']) : undefined;
  if (ts === undefined && ev.timestamp !== undefined) ts = toIsoTime(ev.timestamp);
  if (ts === undefined && ev.time !== undefined) ts = toIsoTime(ev.time);
  ev['@timestamp'] = ts ?? receivedIso(ctx.receivedAt);

  // Rebuilt from a literal: adding fields to the payload's own object costs a map transition each.
  const src = ev.event;
  const event: Obj = {
    kind: 'event',
    dataset: defaults.dataset,
    module: defaults.module,
    ...(isPlainObject(src) ? src : undefined),
    original,
  };
  ev.event = event;
  // Wrong-typed well-known fields would get the whole event refused by normalizeEvent().
  for (const k of EVENT_STRINGS) {
    const v = event[k];
    if (v !== undefined && typeof v !== 'string') {
      if (unmapped === undefined) unmapped = {};
      unmapped[`event.${k}`] = v;
      event[k] =
        k === 'kind' ? 'event' : k === 'dataset' ? defaults.dataset : k === 'module' ? defaults.module : undefined;
    }
  }
  if (event.severity !== undefined && (typeof event.severity !== 'number' || !Number.isFinite(event.severity))) {
    if (unmapped === undefined) unmapped = {};
    unmapped['event.severity'] = event.severity;
    event.severity = undefined;
  }
  if (ev.message !== undefined && typeof ev.message !== 'string') {
    if (unmapped === undefined) unmapped = {};
    unmapped.message = ev.message;
    ev.message = undefined;
  }
  const user = ev.user;
  if (isPlainObject(user) && user.name !== undefined && typeof user.name !== 'string') {
    if (unmapped === undefined) unmapped = {};
    unmapped['user.name'] = user.name;
    user.name = undefined;
  }
  const ksrc = ev.kyoka;
  const kyoka: Obj = { ...(isPlainObject(ksrc) ? ksrc : undefined), source: ctx.sourceName };
  if (unmapped !== undefined) kyoka.unmapped = unmapped;
  ev.kyoka = kyoka;

  for (const k of IP_FIELDS) {
    const o = ev[k];
    if (!isPlainObject(o)) continue;
    if (o.ip !== undefined) {
      const ip = normalizeIp(o.ip);
      o.ip = ip; // undefined when invalid: dropped from the stored JSON
    }
    if (o.port !== undefined) {
      const p = toPort(o.port);
      o.port = p;
    }
  }
  if (ev.id !== undefined && typeof ev.id !== 'string') ev.id = undefined;
  return ev as EventInput;
}

export function createJsonParser(): Parser {
  return {
    type: 'json',
    parse(input: string | Record<string, unknown>, ctx: ParseContext): EventInput[] {
      if (typeof input !== 'string') {
        if (!isPlainObject(input)) throw badEvent('json: expected an object');
        return [jsonToEvent(input, JSON.stringify(input), ctx)];
      }
      const text = input.trim();
      if (text.charCodeAt(0) === 91 /* [ */) {
        // A JSON array of objects: one event each.
        let arr: unknown;
        try {
          arr = JSON.parse(text);
        } catch (err) {
          throw badEvent('json: invalid JSON', err);
        }
        if (!Array.isArray(arr) || arr.length > MAX_ARRAY || !arr.every(isPlainObject)) {
          throw badEvent('json: expected an object or an array of objects');
        }
        return arr.map((o) => jsonToEvent(o, JSON.stringify(o), ctx));
      }
      return [jsonToEvent(parseJsonObject(text, 'json'), input, ctx)];
    },
  };
}
