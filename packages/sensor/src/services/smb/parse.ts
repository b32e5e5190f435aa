/**
 * Samba vfs_full_audit lines -> OpenCanary's 5000 SMB_FILE_OPEN record. OpenCanary's documented
 * smb.conf sets `full_audit:prefix = %U|%I|%i|%m|%S|%L|%R|%a|%T|%D`, so after `smbd_audit:` a line
 * reads user|client ip|server ip|client name|share|server name|protocol|arch|time|domain|op|
 * status|path. Shorter prefixes (Samba's default `%u|%I` style: user|ip|host|share|op|ok|...|path)
 * are accepted too: the operation is found as the field before `ok`/`fail`, the path is the last field.
 */
import type { ConnMeta } from '../../service/types.ts';

export interface SmbRecord {
  conn: ConnMeta;
  logdata: Record<string, string>;
}

const MARK = 'smbd_audit:';

export function parseAuditLine(line: string): SmbRecord | null {
  const at = line.indexOf(MARK);
  if (at < 0) return null;
  const f = line
    .slice(at + MARK.length)
    .trim()
    .split('|');
  const user = f[0] || 'anonymous';
  if (f.length >= 13) {
    return {
      conn: { src_host: f[1]!, src_port: '-1', dst_host: f[2]!, dst_port: 445 },
      logdata: {
        USER: user,
        REMOTENAME: f[3]!,
        SHARENAME: f[4]!,
        LOCALNAME: f[5]!,
        SMBVER: f[6]!,
        SMBARCH: f[7]!,
        DOMAIN: f[9]!,
        AUDITACTION: f[10]!,
        STATUS: f[11]!,
        FILENAME: f[12]!,
      },
    };
  }
  // Short prefix: find `<op>|ok|` or `<op>|fail (...)|`.
  const st = f.findIndex((x, i) => i >= 2 && (x === 'ok' || x.startsWith('fail')));
  if (st < 3 || st + 1 >= f.length) return null;
  const op = st - 1;
  return {
    conn: { src_host: f[1] ?? '', src_port: '-1', dst_host: '', dst_port: 445 },
    logdata: {
      USER: user,
      REMOTENAME: op >= 3 ? f[2]! : '',
      SHARENAME: op >= 4 ? f[op - 1]! : '',
      LOCALNAME: '',
      SMBVER: '',
      SMBARCH: '',
      DOMAIN: '',
      AUDITACTION: f[op]!,
      STATUS: f[st]!,
      FILENAME: f[f.length - 1]!,
    },
  };
}
