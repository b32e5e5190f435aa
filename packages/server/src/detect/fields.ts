/**
 * Field access and the Sigma → ECS field mapping. Sigma rules name fields after the log
 * source (Apache/IIS W3C `c-uri`, Zeek `id.orig_h`, Sysmon `Image`, generic `src_ip`...);
 * Kyoka events use ECS names. A Sigma name maps to one or more ECS fields (any may match).
 * Names already in ECS (containing a dot and known to the event model) pass through.
 */
import type { KyokaEvent } from '@kyoka/core';

export type Getter = (ev: KyokaEvent) => unknown;

const SIGMA_TO_ECS: Record<string, string[]> = {
  // generic / network
  src_ip: ['source.ip'],
  srcip: ['source.ip'],
  sourceip: ['source.ip'],
  source_ip: ['source.ip'],
  src_port: ['source.port'],
  sourceport: ['source.port'],
  dst_ip: ['destination.ip'],
  dstip: ['destination.ip'],
  destinationip: ['destination.ip'],
  dest_ip: ['destination.ip'],
  dst_port: ['destination.port'],
  dstport: ['destination.port'],
  destinationport: ['destination.port'],
  dest_port: ['destination.port'],
  destinationhostname: ['destination.domain'],
  protocol: ['network.transport'],
  proto: ['network.transport'],
  // zeek
  'id.orig_h': ['source.ip'],
  'id.orig_p': ['source.port'],
  'id.resp_h': ['destination.ip'],
  'id.resp_p': ['destination.port'],
  query: ['dns.question.name'],
  // users / hosts
  user: ['user.name'],
  username: ['user.name'],
  targetusername: ['user.target.name', 'user.name'],
  subjectusername: ['user.name'],
  pam_user: ['user.name'],
  pam_rhost: ['source.ip', 'source.address'],
  computer: ['host.name'],
  computername: ['host.name'],
  hostname: ['host.hostname', 'host.name'],
  // process / file
  image: ['process.executable', 'process.name'],
  commandline: ['process.command_line'],
  parentimage: ['process.parent.executable'],
  parentcommandline: ['process.parent.command_line'],
  processid: ['process.pid'],
  targetfilename: ['file.path'],
  // web server (W3C extended / Sigma webserver category)
  'c-ip': ['source.ip'],
  clientip: ['source.ip'],
  'c-uri': ['url.original', 'url.full', 'url.path'],
  'c-uri-query': ['url.query'],
  'cs-uri-query': ['url.query'],
  'cs-uri-stem': ['url.path'],
  'c-uri-stem': ['url.path'],
  'c-uri-extension': ['url.extension'],
  'cs-uri': ['url.original', 'url.full', 'url.path'],
  'cs-method': ['http.request.method'],
  'cs-host': ['url.domain'],
  'cs-referrer': ['http.request.referrer'],
  'cs-referer': ['http.request.referrer'],
  'cs-user-agent': ['user_agent.original'],
  'c-useragent': ['user_agent.original'],
  'cs-version': ['http.version'],
  'sc-status': ['http.response.status_code'],
  'cs-username': ['user.name'],
  's-ip': ['destination.ip'],
  's-port': ['destination.port'],
  // keyword-ish generic fields
  message: ['message'],
  msg: ['message'],
};

/** ECS field(s) a rule's field name refers to. */
export function mapField(name: string): string[] {
  const m = SIGMA_TO_ECS[name.toLowerCase()];
  return m ? m.slice() : [name];
}

/*
 * Per-event field cache: every getter for a path shares one slot, so a field read by many
 * rules is walked once per event (property reads on events of many shapes are megamorphic
 * and cost more than the matching). The cache follows the event object's identity; the
 * engine calls resetFieldCache() before each event so a mutated event is never stale.
 */
const SLOTS = new Map<string, number>();
const slotValue: unknown[] = [];
const slotGen: number[] = [];
let gen = 1;
let current: object | null = null;

export function resetFieldCache(): void {
  current = null;
}

/** A getter for one dotted ECS path, memoized per event (see above). */
export function getter(path: string): Getter {
  let slot = SLOTS.get(path);
  if (slot === undefined) {
    slot = SLOTS.size;
    SLOTS.set(path, slot);
    slotGen.push(0);
    slotValue.push(undefined);
  }
  const s = slot;
  const raw = rawGetter(path);
  return (ev) => {
    if (ev !== current) {
      current = ev;
      gen++;
    }
    if (slotGen[s] === gen) return slotValue[s];
    const v = raw(ev);
    slotValue[s] = v;
    slotGen[s] = gen;
    return v;
  };
}

/** Reads one dotted ECS path (nested objects; a literal dotted key is tried as a fallback). */
export function rawGetter(path: string): Getter {
  const parts = path.split('.');
  if (parts.length === 1) {
    const k = parts[0] as string;
    return (ev) => (ev as Record<string, unknown>)[k];
  }
  if (parts.length === 2) {
    const [a, b] = parts as [string, string];
    return (ev) => {
      const o = (ev as Record<string, unknown>)[a];
      if (o !== null && typeof o === 'object') {
        const v = (o as Record<string, unknown>)[b];
        if (v !== undefined) return v;
      }
      return (ev as Record<string, unknown>)[path];
    };
  }
  const rests = parts.map((_, i) => parts.slice(i).join('.'));
  return (ev) => {
    let o: unknown = ev;
    for (let i = 0; i < parts.length; i++) {
      if (o === null || typeof o !== 'object') return undefined;
      const rec = o as Record<string, unknown>;
      const v = rec[parts[i] as string];
      if (v === undefined) return i < parts.length - 1 ? rec[rests[i] as string] : undefined;
      o = v;
    }
    return o;
  };
}

/**
 * False when lower-casing cannot change `s` (no A-Z, all ASCII): event values usually are
 * lower-case already, and toLowerCase always allocates a new string.
 */
export function mayChangeCase(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c >= 128) return true;
  }
  return false;
}

const LOWER_MAX = 20_000;
let lowerCache = new Map<string, string>();

/**
 * Lower-cased text, memoized for long strings: many rules test the same message /
 * event.original, and V8 caches a string's hash, so the lookup is cheaper than re-lowering.
 * Short strings that are already lower-case are returned as they are (no allocation).
 */
export function lower(s: string): string {
  if (s.length < 24) return mayChangeCase(s) ? s.toLowerCase() : s;
  let l = lowerCache.get(s);
  if (l === undefined) {
    if (lowerCache.size >= LOWER_MAX) lowerCache = new Map();
    l = s.toLowerCase();
    lowerCache.set(s, l);
  }
  return l;
}

/** Group values of an event (strings and numbers only; missing → ''). */
export function groupValue(v: unknown): string | number {
  if (typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.length > 0) return groupValue(v[0]);
  return '';
}
