import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sudoParser } from './sudo.ts';
import { run } from './test-helpers.ts';

describe('sudo program parser', () => {
  it('command run', () => {
    const e = run(sudoParser, '   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id');
    assert.equal(e?.event.action, 'sudo.command');
    assert.equal(e?.event.outcome, 'success');
    assert.equal(e?.user.name, 'alice');
    assert.equal(e?.user.target.name, 'root');
    assert.equal(e?.process.command_line, '/usr/bin/id');
    assert.equal(e?.process.working_directory, '/home/alice');
    assert.equal(e?.kyoka.sudo.tty, 'pts/0');
  });

  it('keeps " ; " inside the command', () => {
    const e = run(sudoParser, 'alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/sh -c echo a ; echo b');
    assert.equal(e?.process.command_line, '/bin/sh -c echo a ; echo b');
  });

  it('incorrect password and not in sudoers', () => {
    const f = run(
      sudoParser,
      '   alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/su',
    );
    assert.equal(f?.event.action, 'sudo.auth_failure');
    assert.equal(f?.event.outcome, 'failure');
    assert.equal(f?.kyoka.sudo.reason, '3 incorrect password attempts');
    const n = run(
      sudoParser,
      '     bob : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/bash',
    );
    assert.equal(n?.event.action, 'sudo.not_allowed');
    assert.equal(n?.user.name, 'bob');
  });

  it('pam_unix lines', () => {
    const o = run(sudoParser, 'pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)');
    assert.equal(o?.event.action, 'sudo.session_opened');
    assert.equal(o?.user.name, 'alice');
    assert.equal(o?.user.target.name, 'root');
    const f = run(
      sudoParser,
      'pam_unix(sudo:auth): authentication failure; logname=alice uid=1000 euid=0 tty=/dev/pts/0 ruser=alice rhost=  user=alice',
    );
    assert.equal(f?.event.action, 'sudo.auth_failure');
    assert.equal(f?.user.name, 'alice');
    assert.equal(run(sudoParser, 'unable to resolve host deb12: Name or service not known'), undefined);
  });
});
