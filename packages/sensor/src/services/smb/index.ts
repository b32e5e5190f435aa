/**
 * SMB canary (OpenCanary's `smb`): a real Samba share with vfs_full_audit logs each file access
 * to syslog (facility local7, written to smb.auditfile, default /var/log/samba-audit.log); this
 * service follows that file (rotation included, see file-tail.ts) and logs 5000 SMB_FILE_OPEN
 * per `smbd_audit:` line with OpenCanary's logdata (see parse.ts). No port of its own: Samba
 * serves 445. A missing file is not an error: it is picked up when it appears.
 * Hand-written: the audit format is Samba's pipe-separated prefix, no library parses it.
 */
import { LOGTYPE } from '../../log/logtypes.ts';
import type { HoneypotService, ServiceFactory } from '../../service/types.ts';
import { type Tail, tailFile } from './file-tail.ts';
import { parseAuditLine } from './parse.ts';

export const factory: ServiceFactory = (ctx): HoneypotService => {
  const path = String(ctx.conf.get('smb.auditfile', '/var/log/samba-audit.log'));
  const pollMs = Math.max(10, Number(ctx.conf.get('smb.poll_ms', 250)) || 250);
  let tail: Tail | null = null;
  return {
    name: 'smb',
    ports: [],
    async start() {
      tail = await tailFile({
        path,
        pollMs,
        maxLine: 16 * 1024,
        onOversize: () => ctx.count('smb', 'oversize'),
        onLine(line) {
          const rec = parseAuditLine(line);
          if (!rec) {
            if (line.includes('smbd_audit:')) ctx.count('smb', 'malformed');
            return;
          }
          ctx.log(rec.conn, LOGTYPE.SMB_FILE_OPEN, rec.logdata);
        },
      });
    },
    async stop() {
      await tail?.stop();
      tail = null;
    },
  };
};
