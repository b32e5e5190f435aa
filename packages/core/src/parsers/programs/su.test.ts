import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { suParser } from './su.ts';
import { run } from './test-helpers.ts';

describe('su program parser', () => {
  it('success and failure', () => {
    const s = run(suParser, '(to root) alice on pts/0');
    assert.equal(s?.event.action, 'su.login_success');
    assert.equal(s?.user.name, 'alice');
    assert.equal(s?.user.target.name, 'root');
    assert.equal(s?.kyoka.su.tty, 'pts/0');
    const f = run(suParser, 'FAILED SU (to root) alice on pts/0');
    assert.equal(f?.event.action, 'su.login_failure');
    assert.equal(f?.event.outcome, 'failure');
  });

  it('pam_unix lines', () => {
    const f = run(
      suParser,
      'pam_unix(su:auth): authentication failure; logname=alice uid=1000 euid=0 tty=/dev/pts/0 ruser=alice rhost=  user=root',
    );
    assert.equal(f?.event.action, 'su.auth_failure');
    assert.equal(f?.user.name, 'alice');
    assert.equal(f?.user.target.name, 'root');
    const o = run(suParser, 'pam_unix(su-l:session): session opened for user root(uid=0) by alice(uid=1000)');
    assert.equal(o?.event.action, 'su.session_opened');
    assert.equal(o?.user.name, 'alice');
    assert.equal(run(suParser, 'something else'), undefined);
  });
});
