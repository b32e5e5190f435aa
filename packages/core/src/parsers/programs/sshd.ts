/**
 * OpenSSH sshd messages as Debian 12 (OpenSSH 9.2) logs them to auth.log / journald.
 * User names are attacker-controlled and may contain spaces, so they are matched with a
 * lazy group anchored by the fixed " from <ip> port <n>" tail (linear: one pass per " from ").
 */
import type { EventInput } from '../../event/types.ts';
import { setEndpoint } from '../util.ts';
import { applyPam, classify, kyokaSection, MAX_PROGRAM_LINE, type ProgramParser, setUser } from './common.ts';

const ACCEPTED_RE =
  /^Accepted (\S{1,64}) for (.{0,512}?) from (\S{1,64}) port (\d{1,5})(?: ssh2)?(?:: (\S{1,32}) (\S{1,128}))?$/;
const FAILED_RE =
  /^Failed (\S{1,64}) for (invalid user )?(.{0,512}?) from (\S{1,64}) port (\d{1,5})(?: ssh2)?(?: \[preauth\])?$/;
const INVALID_RE = /^Invalid user (.{0,512}?) from (\S{1,64}) port (\d{1,5})(?: \[preauth\])?$/;
// "Disconnected from [authenticating |invalid ]user U IP port P [preauth]" / "Disconnected from IP port P"
const DISC_USER_RE =
  /^(Disconnected from|Connection closed by|Connection reset by) (authenticating |invalid )?user (.{0,512}?) (\S{1,64}) port (\d{1,5})(?: \[preauth\])?$/;
const DISC_RE =
  /^(Disconnected from|Connection closed by|Connection reset by) (\S{1,64}) port (\d{1,5})(?: \[preauth\])?$/;
const RECV_DISC_RE = /^Received disconnect from (\S{1,64}) port (\d{1,5}):(\d{1,4}): (.{0,1024}?)(?: \[preauth\])?$/;
const MAX_AUTH_RE =
  /^error: maximum authentication attempts exceeded for (invalid user )?(.{0,512}?) from (\S{1,64}) port (\d{1,5})(?: ssh2)?(?: \[preauth\])?$/;
const CONNECTION_RE = /^Connection from (\S{1,64}) port (\d{1,5}) on (\S{1,64}) port (\d{1,5})/;
const NEGOTIATE_RE = /^Unable to negotiate with (\S{1,64}) port (\d{1,5}): (.{0,1024})$/;
const BANNER_RE = /^banner exchange: Connection from (\S{1,64}) port (\d{1,5}): (.{0,1024})$/;
const TIMEOUT_RE = /^Timeout before authentication for (?:connection from )?(\S{1,64}) port (\d{1,5})/;

const AUTH = ['authentication'] as const;
const NET = ['network'] as const;

function fail(ev: EventInput, m: RegExpExecArray, invalid: boolean, user: string): void {
  const ssh = kyokaSection(ev, 'ssh');
  ssh.method = m[1];
  if (invalid) ssh.invalid_user = true;
  setUser(ev, user);
}

function apply(msg: string, ev: EventInput): boolean {
  if (msg.length > MAX_PROGRAM_LINE) return false;
  let m: RegExpExecArray | null;
  switch (msg.charCodeAt(0)) {
    case 65 /* A */:
      m = ACCEPTED_RE.exec(msg);
      if (!m) return false;
      classify(ev, 'sshd.login_success', AUTH, ['start'], 'success');
      kyokaSection(ev, 'ssh').method = m[1];
      if (m[5] !== undefined) {
        const ssh = kyokaSection(ev, 'ssh');
        ssh.key_type = m[5];
        ssh.key_fingerprint = m[6];
      }
      setUser(ev, m[2]);
      setEndpoint(ev, 'source', m[3], m[4]);
      return true;
    case 70 /* F */:
      m = FAILED_RE.exec(msg);
      if (!m) return false;
      classify(ev, 'sshd.login_failure', AUTH, ['info'], 'failure');
      fail(ev, m, m[2] !== undefined, m[3] as string);
      setEndpoint(ev, 'source', m[4], m[5]);
      return true;
    case 73 /* I */:
      m = INVALID_RE.exec(msg);
      if (!m) return false;
      classify(ev, 'sshd.invalid_user', AUTH, ['info'], 'failure');
      kyokaSection(ev, 'ssh').invalid_user = true;
      setUser(ev, m[1]);
      setEndpoint(ev, 'source', m[2], m[3]);
      return true;
    case 68 /* D */:
    case 67 /* C */:
      {
        m = DISC_USER_RE.exec(msg);
        if (m) {
          classify(ev, m[1] === 'Disconnected from' ? 'sshd.disconnect' : 'sshd.connection_closed', NET, ['end']);
          if (m[2] === 'invalid ') kyokaSection(ev, 'ssh').invalid_user = true;
          if (m[2] !== undefined) kyokaSection(ev, 'ssh').preauth = true;
          setUser(ev, m[3]);
          setEndpoint(ev, 'source', m[4], m[5]);
          return true;
        }
        m = DISC_RE.exec(msg);
        if (m) {
          classify(ev, m[1] === 'Disconnected from' ? 'sshd.disconnect' : 'sshd.connection_closed', NET, ['end']);
          setEndpoint(ev, 'source', m[2], m[3]);
          return true;
        }
        m = CONNECTION_RE.exec(msg);
        if (!m) return false;
        classify(ev, 'sshd.connection', NET, ['connection', 'start']);
        setEndpoint(ev, 'source', m[1], m[2]);
        setEndpoint(ev, 'destination', m[3], m[4]);
        return true;
      }
    case 82 /* R */:
      m = RECV_DISC_RE.exec(msg);
      if (!m) return false;
      classify(ev, 'sshd.received_disconnect', NET, ['end']);
      kyokaSection(ev, 'ssh').disconnect_reason = m[4];
      setEndpoint(ev, 'source', m[1], m[2]);
      return true;
    case 101 /* e */:
      m = MAX_AUTH_RE.exec(msg);
      if (!m) return false;
      classify(ev, 'sshd.max_auth_exceeded', AUTH, ['info'], 'failure');
      if (m[1] !== undefined) kyokaSection(ev, 'ssh').invalid_user = true;
      setUser(ev, m[2]);
      setEndpoint(ev, 'source', m[3], m[4]);
      return true;
    case 85 /* U */:
      m = NEGOTIATE_RE.exec(msg);
      if (!m) return false;
      classify(ev, 'sshd.negotiation_failed', NET, ['connection', 'denied'], 'failure');
      setEndpoint(ev, 'source', m[1], m[2]);
      return true;
    case 98 /* b */:
      m = BANNER_RE.exec(msg);
      if (!m) return false;
      classify(ev, 'sshd.bad_banner', NET, ['connection', 'denied'], 'failure');
      setEndpoint(ev, 'source', m[1], m[2]);
      return true;
    case 84 /* T */:
      m = TIMEOUT_RE.exec(msg);
      if (!m) return false;
      classify(ev, 'sshd.auth_timeout', NET, ['end'], 'failure');
      setEndpoint(ev, 'source', m[1], m[2]);
      return true;
    case 112 /* p */:
      return applyPam(msg, ev, 'sshd');
    default:
      return false;
  }
}

export const sshdParser: ProgramParser = { name: 'sshd', aliases: ['sshd-session'], apply };
