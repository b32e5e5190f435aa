/**
 * rsync daemon (3.2, Debian 12) log lines, from /var/log/rsyncd.log or syslog:
 *   "2026/11/21 10:00:00 [1234] connect from host.example (192.0.2.7)"
 *   "... rsync allowed access on module data from host.example (192.0.2.7)"
 *   "... rsync on data/secret/ from host.example (192.0.2.7)"   — client reads (download / listing)
 *   "... rsync to data/upload/ from bob@host.example (192.0.2.7)" — client writes (upload)
 *   "... module-list request from UNKNOWN (192.0.2.7)"            — "rsync host::" module listing
 *   "... auth failed on module data from UNKNOWN (192.0.2.7): password mismatch"
 *   "... send UNKNOWN [192.0.2.7] data () secret/passwd 1234"     — transfer log "%o %h [%a] %m (%u) %f %l"
 *   "... sent 1234 bytes  received 56 bytes  total size 7890"
 * The file prefix time is local time; taken as UTC here.
 */
import type { EventInput } from '../../event/types.ts';
import { child, setEndpoint, toInt } from '../util.ts';
import { classify, kyokaSection, MAX_PROGRAM_LINE, type ProgramParser, setUser } from './common.ts';

const PREFIX_RE = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2}) \[(\d{1,10})\] /;
const CONNECT_RE = /^connect from (\S{1,256}) \(([^)\s]{1,64})\)$/;
const RSYNC_RE = /^rsync (on|to) (.{0,4096}?) from (?:(\S{1,256})@)?(\S{1,256}) \(([^)\s]{1,64})\)$/;
const ALLOWED_RE =
  /^rsync (allowed access|denied) on module (\S{1,256}) from (?:(\S{1,256})@)?(\S{1,256}) \(([^)\s]{1,64})\)$/;
const LIST_RE = /^module-list request from (\S{1,256}) \(([^)\s]{1,64})\)$/;
// rsync 3.2+ names the user: "... from host (ip) for alice: password mismatch"
const AUTH_FAIL_RE =
  /^auth failed on module (\S{1,256}) from (\S{1,256}) \(([^)\s]{1,64})\)(?: for (.{0,256}?))?: (.{0,1024})$/;
const XFER_RE =
  /^(send|recv|del\.) (\S{1,256}) \[([^\]\s]{1,64})\] (\S{1,256}) \((\S{0,256})\) (.{1,4096}) (\d{1,20})$/;
const SUMMARY_RE = /^sent (\d{1,20}) bytes {1,2}received (\d{1,20}) bytes {1,2}total size (\d{1,20})$/;

const NET = ['network'] as const;
const FILE = ['file', 'network'] as const;

function setPeer(ev: EventInput, host: string | undefined, addr: string | undefined): void {
  setEndpoint(ev, 'source', addr, undefined);
  if (host !== undefined && host !== 'UNKNOWN' && host !== addr) child(ev, 'source').domain = host;
}

function setModule(ev: EventInput, request: string): void {
  const slash = request.indexOf('/');
  const rsync = kyokaSection(ev, 'rsync');
  rsync.module = slash === -1 ? request : request.slice(0, slash);
  rsync.path = request;
}

function matchMessage(msg: string, ev: EventInput): boolean {
  let m: RegExpExecArray | null;
  switch (msg.charCodeAt(0)) {
    case 99 /* c */:
      m = CONNECT_RE.exec(msg);
      if (!m) return false;
      classify(ev, 'rsyncd.connect', NET, ['connection', 'start']);
      setPeer(ev, m[1], m[2]);
      return true;
    case 114 /* r */:
      m = RSYNC_RE.exec(msg);
      if (m) {
        const read = m[1] === 'on';
        classify(ev, read ? 'rsyncd.read_request' : 'rsyncd.write_request', FILE, read ? ['access'] : ['creation']);
        setModule(ev, m[2] as string);
        setUser(ev, m[3]);
        setPeer(ev, m[4], m[5]);
        return true;
      }
      m = ALLOWED_RE.exec(msg);
      if (!m) return matchTransfer(msg, ev); // "recv ..." transfer lines
      if (m[1] === 'denied') classify(ev, 'rsyncd.access_denied', NET, ['denied'], 'failure');
      else classify(ev, 'rsyncd.access_allowed', NET, ['allowed'], 'success');
      setModule(ev, m[2] as string);
      setUser(ev, m[3]);
      setPeer(ev, m[4], m[5]);
      return true;
    case 109 /* m */:
      m = LIST_RE.exec(msg);
      if (!m) return false;
      classify(ev, 'rsyncd.list', NET, ['access']);
      setPeer(ev, m[1], m[2]);
      return true;
    case 97 /* a */:
      m = AUTH_FAIL_RE.exec(msg);
      if (!m) return false;
      classify(ev, 'rsyncd.auth_failure', ['authentication'], ['info'], 'failure');
      setModule(ev, m[1] as string);
      kyokaSection(ev, 'rsync').reason = m[5];
      if (m[4]) child(ev, 'user').name = m[4];
      setPeer(ev, m[2], m[3]);
      return true;
    case 115 /* s */:
      {
        m = SUMMARY_RE.exec(msg);
        if (m) {
          classify(ev, 'rsyncd.transfer_summary', NET, ['info']);
          const rsync = kyokaSection(ev, 'rsync');
          const sent = toInt(m[1]);
          const received = toInt(m[2]);
          rsync.sent_bytes = sent;
          rsync.received_bytes = received;
          rsync.total_size = toInt(m[3]);
          // The client is the source: what the daemon received came from it.
          child(ev, 'source').bytes = received;
          child(ev, 'destination').bytes = sent;
          return true;
        }
        return matchTransfer(msg, ev);
      }
    case 100 /* d */:
      return matchTransfer(msg, ev);
    default:
      return false;
  }
}

function matchTransfer(msg: string, ev: EventInput): boolean {
  const m = XFER_RE.exec(msg);
  if (!m) return false;
  const op = m[1];
  if (op === 'send') classify(ev, 'rsyncd.download', FILE, ['access'], 'success');
  else if (op === 'recv') classify(ev, 'rsyncd.upload', FILE, ['creation'], 'success');
  else classify(ev, 'rsyncd.delete', FILE, ['deletion'], 'success');
  setPeer(ev, m[2], m[3]);
  kyokaSection(ev, 'rsync').module = m[4];
  setUser(ev, m[5] || undefined);
  const file = child(ev, 'file');
  file.path = m[6];
  const size = toInt(m[7]);
  if (size !== undefined) file.size = size;
  return true;
}

function apply(line: string, ev: EventInput): boolean {
  if (line.length > MAX_PROGRAM_LINE) return false;
  const p = PREFIX_RE.exec(line);
  const ok = matchMessage(p ? line.slice(p[0].length) : line, ev);
  if (ok && p) {
    const t = Date.UTC(Number(p[1]), Number(p[2]) - 1, Number(p[3]), Number(p[4]), Number(p[5]), Number(p[6]));
    if (Number.isFinite(t)) ev['@timestamp'] = new Date(t).toISOString();
    child(ev, 'process').pid = Number(p[7]);
  }
  return ok;
}

export const rsyncdParser: ProgramParser = { name: 'rsyncd', aliases: ['rsync'], apply };
