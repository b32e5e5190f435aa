/**
 * sudo (1.9, Debian 12) messages:
 *   "    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id"
 *   "    alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id"
 *   "    bob : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/bash"
 *   pam_unix(sudo:session) / pam_unix(sudo:auth) lines.
 * Split on " ; " rather than one big regex: COMMAND is last and may itself contain " ; ".
 */
import type { EventInput } from '../../event/types.ts';
import { child } from '../util.ts';
import {
  applyPam,
  classify,
  kyokaSection,
  MAX_PROGRAM_LINE,
  type ProgramParser,
  setTargetUser,
  setUser,
} from './common.ts';

const USER_HEAD_RE = /^\s{0,16}(\S{1,256}) : /;

function apply(msg: string, ev: EventInput): boolean {
  if (msg.length > MAX_PROGRAM_LINE) return false;
  if (msg.startsWith('pam_unix(')) return applyPam(msg, ev, 'sudo');
  const head = USER_HEAD_RE.exec(msg);
  if (!head) return false;
  let pos = head[0].length;
  let reason: string | undefined;
  let tty: string | undefined;
  let pwd: string | undefined;
  let runas: string | undefined;
  let command: string | undefined;
  let sawKey = false;
  while (pos < msg.length) {
    if (msg.startsWith('COMMAND=', pos)) {
      command = msg.slice(pos + 8);
      sawKey = true;
      break;
    }
    const sep = msg.indexOf(' ; ', pos);
    const seg = sep === -1 ? msg.slice(pos) : msg.slice(pos, sep);
    pos = sep === -1 ? msg.length : sep + 3;
    const eq = seg.indexOf('=');
    const key = eq > 0 ? seg.slice(0, eq) : '';
    switch (key) {
      case 'TTY':
        tty = seg.slice(4);
        sawKey = true;
        break;
      case 'PWD':
        pwd = seg.slice(4);
        sawKey = true;
        break;
      case 'USER':
        runas = seg.slice(5);
        sawKey = true;
        break;
      case 'GROUP':
      case 'TSID':
      case 'ENV':
      case 'CHROOT':
      case 'CWD':
        sawKey = true;
        break;
      default:
        if (!sawKey && reason === undefined) reason = seg;
    }
  }
  if (!sawKey) return false;

  const user = head[1] as string;
  if (reason === undefined) {
    classify(ev, 'sudo.command', ['process'], ['start'], 'success');
  } else if (reason.includes('incorrect password attempt')) {
    classify(ev, 'sudo.auth_failure', ['authentication'], ['info'], 'failure');
  } else if (reason.includes('NOT in sudoers') || reason.includes('not allowed') || reason.includes('NOT authorized')) {
    classify(ev, 'sudo.not_allowed', ['process', 'authentication'], ['denied'], 'failure');
  } else {
    classify(ev, 'sudo.error', ['process'], ['info'], 'failure');
  }
  setUser(ev, user);
  setTargetUser(ev, runas);
  const sudo = kyokaSection(ev, 'sudo');
  if (reason !== undefined) sudo.reason = reason;
  if (tty !== undefined) sudo.tty = tty;
  if (command !== undefined || pwd !== undefined) {
    const proc = child(ev, 'process');
    if (command !== undefined) proc.command_line = command;
    if (pwd !== undefined) proc.working_directory = pwd;
  }
  return true;
}

export const sudoParser: ProgramParser = { name: 'sudo', aliases: [], apply };
