/**
 * Kernel LOG lines -> OpenCanary portscan records, as OpenCanary's SynLogWatcher builds them:
 * the prefix picks the logtype, the rest is split on spaces into KEY=VALUE tags (a bare flag such
 * as SYN or DF becomes KEY: ""), SRC/SPT/DST/DPT become the record's addresses and every other
 * tag is logdata. Works on kern.log lines, `dmesg` output and raw /dev/kmsg records alike, since
 * only the text after the prefix is read. Ports are numbers (OpenCanary writes them as strings).
 */
import { LOGTYPE } from '../../log/logtypes.ts';
import type { ConnMeta } from '../../service/types.ts';

export interface ScanRecord {
  logtype: number;
  conn: ConnMeta;
  logdata: Record<string, string>;
}

/** Order matters: `canarynmap: ` is a prefix of nothing else, the typed ones are checked first. */
const PREFIXES: Array<[string, number]> = [
  ['canaryfw: ', LOGTYPE.PORT_SYN],
  ['canarynmapNULL: ', LOGTYPE.PORT_NMAPNULL],
  ['canarynmapXMAS: ', LOGTYPE.PORT_NMAPXMAS],
  ['canarynmapFIN: ', LOGTYPE.PORT_NMAPFIN],
  ['canarynmap: ', LOGTYPE.PORT_NMAPOS],
];

const MAX_TAGS = 64;

/** null: not a canary line; 'malformed': a canary line without addresses. */
export function parseKernelLine(line: string): ScanRecord | null | 'malformed' {
  let logtype = 0;
  let rest = '';
  for (const [p, t] of PREFIXES) {
    const at = line.indexOf(p);
    if (at >= 0) {
      logtype = t;
      rest = line.slice(at + p.length);
      break;
    }
  }
  if (!logtype) return null;
  const kv: Record<string, string> = Object.create(null);
  let n = 0;
  for (const tag of rest.split(' ')) {
    if (tag === '') continue;
    if (++n > MAX_TAGS) return 'malformed';
    const eq = tag.indexOf('=');
    if (eq < 0) kv[tag] = '';
    else kv[tag.slice(0, eq)] = tag.slice(eq + 1);
  }
  const { SRC, SPT, DST, DPT } = kv;
  if (SRC === undefined || SPT === undefined || DST === undefined || DPT === undefined) return 'malformed';
  const spt = Number(SPT);
  const dpt = Number(DPT);
  if (!Number.isInteger(spt) || !Number.isInteger(dpt)) return 'malformed';
  delete kv.SRC;
  delete kv.SPT;
  delete kv.DST;
  delete kv.DPT;
  // OpenCanary keeps the kernel log's text for the ports: so do the records
  return { logtype, conn: { src_host: SRC, src_port: SPT, dst_host: DST, dst_port: DPT }, logdata: { ...kv } };
}
