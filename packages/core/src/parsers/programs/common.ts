/** Shared pieces for the program parsers (messages of one daemon, via syslog or a tailed file). */
import type { EventInput } from '../../event/types.ts';
import { child, type Obj, setEndpoint } from '../util.ts';

export interface ProgramParser {
  /** Dataset name and the program name it is registered under (e.g. 'sshd'). */
  readonly name: string;
  /** Other syslog program names (APP-NAME / TAG) that this parser handles. */
  readonly aliases: readonly string[];
  /**
   * Fills `ev` from one message of this program (the syslog MSG part, or a line of the
   * program's own log file). Returns false, leaving `ev` untouched, when not recognized.
   */
  apply(msg: string, ev: EventInput): boolean;
}

/** Program lines are short; longer input is not matched (bounds regex work on junk). */
export const MAX_PROGRAM_LINE = 8192;

/** Sets event.category/type/action/outcome in one go. */
export function classify(
  ev: EventInput,
  action: string,
  category: readonly string[],
  type: readonly string[],
  outcome?: 'success' | 'failure',
): void {
  const e = child(ev, 'event');
  e.action = action;
  e.category = category.slice();
  e.type = type.slice();
  if (outcome !== undefined) e.outcome = outcome;
}

export function setUser(ev: EventInput, name: string | undefined): void {
  if (name !== undefined && name.length > 0) child(ev, 'user').name = name;
}

export function setTargetUser(ev: EventInput, name: string | undefined): void {
  if (name !== undefined && name.length > 0) child(child(ev, 'user'), 'target').name = name;
}

export function kyokaSection(ev: EventInput, key: string): Obj {
  return child(child(ev, 'kyoka'), key);
}

/**
 * pam_unix lines shared by sshd/sudo/su/vsftpd:
 *   pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)
 *   pam_unix(sudo:session): session closed for user root
 *   pam_unix(su:auth): authentication failure; logname=alice uid=1000 euid=0 tty=/dev/pts/0 ruser=alice rhost=  user=root
 */
const PAM_RE = /^pam_unix\(([\w-]{1,32}):(\w{1,16})\): (.{0,2048})$/;
const PAM_SESSION_RE =
  /^session (opened|closed) for user ([^\s(]{1,256})(?:\(uid=\d+\))?(?: by ([^\s(]{0,256})(?:\(uid=\d+\))?)?$/;
const PAM_KV_RE = /(\w{1,16})=(\S{0,256})/g;

export interface PamLine {
  service: string;
  kind: 'session_opened' | 'session_closed' | 'auth_failure' | 'other';
  /** Session: the user the session is for. Auth failure: `user=`. */
  user: string | undefined;
  /** Session: the `by` user. Auth failure: `ruser=` (or logname). */
  by: string | undefined;
  rhost: string | undefined;
  tty: string | undefined;
}

export function parsePam(msg: string): PamLine | undefined {
  if (!msg.startsWith('pam_unix(')) return undefined;
  const m = PAM_RE.exec(msg);
  if (!m) return undefined;
  const rest = m[3] as string;
  const out: PamLine = {
    service: m[1] as string,
    kind: 'other',
    user: undefined,
    by: undefined,
    rhost: undefined,
    tty: undefined,
  };
  const s = PAM_SESSION_RE.exec(rest);
  if (s) {
    out.kind = s[1] === 'opened' ? 'session_opened' : 'session_closed';
    out.user = s[2];
    out.by = s[3] || undefined;
    return out;
  }
  if (rest.startsWith('authentication failure;')) {
    out.kind = 'auth_failure';
    PAM_KV_RE.lastIndex = 0;
    for (let kv = PAM_KV_RE.exec(rest); kv !== null; kv = PAM_KV_RE.exec(rest)) {
      const v = kv[2] || undefined;
      switch (kv[1]) {
        case 'user':
          out.user = v;
          break;
        case 'ruser':
          out.by = v ?? out.by;
          break;
        case 'logname':
          out.by = out.by ?? v;
          break;
        case 'rhost':
          out.rhost = v;
          break;
        case 'tty':
          out.tty = v;
          break;
      }
    }
  }
  return out;
}

/**
 * Applies a pam_unix line with `prefix` as the action namespace. Session lines: user.name is
 * the acting user (`by`), user.target.name the session's user when they differ.
 */
export function applyPam(msg: string, ev: EventInput, prefix: string): boolean {
  const p = parsePam(msg);
  if (p === undefined || p.kind === 'other') return false;
  if (p.kind === 'auth_failure') {
    classify(ev, `${prefix}.auth_failure`, ['authentication'], ['info'], 'failure');
    setUser(ev, p.by ?? p.user);
    if (p.by !== undefined && p.user !== undefined && p.by !== p.user) setTargetUser(ev, p.user);
    if (p.rhost !== undefined) setEndpoint(ev, 'source', p.rhost, undefined);
    return true;
  }
  const opened = p.kind === 'session_opened';
  classify(ev, `${prefix}.${p.kind}`, ['session'], [opened ? 'start' : 'end'], 'success');
  if (p.by !== undefined && p.by !== p.user) {
    setUser(ev, p.by);
    setTargetUser(ev, p.user);
  } else {
    setUser(ev, p.user);
  }
  return true;
}
