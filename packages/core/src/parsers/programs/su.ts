/**
 * su (util-linux 2.38, Debian 12) messages:
 *   "(to root) alice on pts/0"            — switched user
 *   "FAILED SU (to root) alice on pts/0"  — wrong password
 *   pam_unix(su:auth) / pam_unix(su-l:session) lines.
 */
import type { EventInput } from '../../event/types.ts';
import {
  applyPam,
  classify,
  kyokaSection,
  MAX_PROGRAM_LINE,
  type ProgramParser,
  setTargetUser,
  setUser,
} from './common.ts';

const SU_RE = /^(FAILED SU )?\(to (\S{1,256})\) (\S{1,256}) on (\S{1,64})$/;

function apply(msg: string, ev: EventInput): boolean {
  if (msg.length > MAX_PROGRAM_LINE) return false;
  if (msg.startsWith('pam_unix(')) return applyPam(msg, ev, 'su');
  if (msg.startsWith('pam_authenticate: ')) {
    classify(ev, 'su.auth_failure', ['authentication'], ['info'], 'failure');
    kyokaSection(ev, 'su').reason = msg.slice(18);
    return true;
  }
  const m = SU_RE.exec(msg);
  if (!m) return false;
  if (m[1] === undefined) classify(ev, 'su.login_success', ['authentication'], ['start'], 'success');
  else classify(ev, 'su.login_failure', ['authentication'], ['info'], 'failure');
  setUser(ev, m[3]);
  setTargetUser(ev, m[2]);
  kyokaSection(ev, 'su').tty = m[4];
  return true;
}

export const suParser: ProgramParser = { name: 'su', aliases: ['su-l'], apply };
