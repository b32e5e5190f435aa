/**
 * vsftpd 3.0 logs, in all three shapes it writes:
 *   vsftpd.log:  "Sat Nov 21 10:00:00 2026 [pid 1234] [ftpuser] FAIL LOGIN: Client "::ffff:1.2.3.4""
 *                "... [pid 1235] [ftpuser] OK UPLOAD: Client "::ffff:1.2.3.4", "/home/ftpuser/a.txt", 1234 bytes, 56.78Kbyte/sec"
 *   syslog:      "[ftpuser] OK LOGIN: Client "1.2.3.4"" (syslog_enable=YES; no date, pid in the tag)
 *   xferlog:     "Sat Nov 21 10:00:00 2026 1 ::ffff:1.2.3.4 1234 /home/ftpuser/a.txt b _ i r ftpuser ftp 0 * c"
 * Plus pam_unix(vsftpd:auth) failures. Dates are local time in the file; taken as UTC here.
 */
import type { EventInput } from '../../event/types.ts';
import { child, setEndpoint, toInt } from '../util.ts';
import { applyPam, classify, kyokaSection, MAX_PROGRAM_LINE, type ProgramParser, setUser } from './common.ts';

const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';
const DATE_RE = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4}) /;
const PID_RE = /^\[pid (\d{1,10})\] /;
const EVENT_RE =
  /^(?:\[(.{0,256}?)\] )?(OK|FAIL) ([A-Z]{2,16}): Client "([^"]{0,64})"(?:, "(.{0,4096}?)")?(?:, (?:(\d{1,20}) bytes, )?([\d.]{1,20})Kbyte\/sec)?$/;
const CONNECT_RE = /^CONNECT: Client "([^"]{0,64})"$/;
const PROTO_RE = /^(?:\[(.{0,256}?)\] )?FTP (command|response): Client "([^"]{0,64})", "(.{0,4096})"$/;
const XFER_RE =
  /^(\d{1,10}) (\S{1,64}) (\d{1,20}) (.{1,4096}) ([ab]) (\S{1,4}) ([oid]) ([agr]) (\S{1,256}) (\S{1,32}) ([01]) (\S{1,256}) ([ci])$/;

const FILE_VERBS: Record<string, string> = {
  UPLOAD: 'upload',
  DOWNLOAD: 'download',
  MKDIR: 'mkdir',
  RMDIR: 'rmdir',
  DELETE: 'delete',
  RENAME: 'rename',
  CHMOD: 'chmod',
};
const FILE_TYPES: Record<string, string[]> = {
  upload: ['creation'],
  download: ['access'],
  mkdir: ['creation'],
  rmdir: ['deletion'],
  delete: ['deletion'],
  rename: ['change'],
  chmod: ['change'],
};

function setTime(ev: EventInput, m: RegExpExecArray): void {
  const mon = MONTHS.indexOf(m[1] as string);
  if (mon < 0 || mon % 3 !== 0) return;
  const t = Date.UTC(Number(m[6]), mon / 3, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
  if (Number.isFinite(t)) ev['@timestamp'] = new Date(t).toISOString();
}

function apply(line: string, ev: EventInput): boolean {
  if (line.length > MAX_PROGRAM_LINE) return false;
  let msg = line;
  const d = DATE_RE.exec(msg);
  if (d) msg = msg.slice(d[0].length);
  const p = PID_RE.exec(msg);
  if (p) msg = msg.slice(p[0].length);
  const ok = matchMessage(msg, ev);
  if (ok) {
    if (d) setTime(ev, d);
    if (p) child(ev, 'process').pid = Number(p[1]);
  }
  return ok;
}

function matchMessage(msg: string, ev: EventInput): boolean {
  if (msg.startsWith('pam_unix(')) return applyPam(msg, ev, 'vsftpd');
  let m = EVENT_RE.exec(msg);
  if (m) {
    const verb = m[3] as string;
    const ok = m[2] === 'OK';
    const outcome = ok ? 'success' : 'failure';
    if (verb === 'LOGIN') {
      classify(
        ev,
        ok ? 'vsftpd.login_success' : 'vsftpd.login_failure',
        ['authentication'],
        ok ? ['start'] : ['info'],
        outcome,
      );
    } else {
      const v = FILE_VERBS[verb] ?? verb.toLowerCase();
      classify(ev, `vsftpd.${v}`, ['file', 'network'], FILE_TYPES[v] ?? ['info'], outcome);
      if (m[5] !== undefined) {
        const file = child(ev, 'file');
        file.path = m[5];
        const bytes = toInt(m[6]);
        if (bytes !== undefined) file.size = bytes;
      }
      if (m[7] !== undefined) kyokaSection(ev, 'ftp').rate_kbps = Number(m[7]);
    }
    setUser(ev, m[1]);
    setEndpoint(ev, 'source', m[4], undefined);
    return true;
  }
  m = CONNECT_RE.exec(msg);
  if (m) {
    classify(ev, 'vsftpd.connect', ['network'], ['connection', 'start']);
    setEndpoint(ev, 'source', m[1], undefined);
    return true;
  }
  m = PROTO_RE.exec(msg);
  if (m) {
    classify(ev, m[2] === 'command' ? 'vsftpd.command' : 'vsftpd.response', ['network'], ['protocol']);
    setUser(ev, m[1]);
    setEndpoint(ev, 'source', m[3], undefined);
    kyokaSection(ev, 'ftp')[m[2] as string] = m[4];
    return true;
  }
  m = XFER_RE.exec(msg);
  if (m) {
    const upload = m[7] === 'i';
    classify(
      ev,
      upload ? 'vsftpd.upload' : 'vsftpd.download',
      ['file', 'network'],
      upload ? ['creation'] : ['access'],
      m[13] === 'c' ? 'success' : 'failure',
    );
    setEndpoint(ev, 'source', m[2], undefined);
    const file = child(ev, 'file');
    file.path = m[4];
    const bytes = toInt(m[3]);
    if (bytes !== undefined) file.size = bytes;
    setUser(ev, m[9]);
    kyokaSection(ev, 'ftp').transfer_seconds = Number(m[1]);
    return true;
  }
  return false;
}

export const vsftpdParser: ProgramParser = { name: 'vsftpd', aliases: [], apply };
