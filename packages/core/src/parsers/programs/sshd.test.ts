import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sshdParser } from './sshd.ts';
import { run } from './test-helpers.ts';

// Messages as OpenSSH 9.2p1 (Debian 12) writes them.
describe('sshd program parser', () => {
  it('accepted password / publickey', () => {
    const a = run(sshdParser, 'Accepted password for alice from 192.0.2.10 port 52144 ssh2');
    assert.equal(a?.event.action, 'sshd.login_success');
    assert.equal(a?.event.outcome, 'success');
    assert.deepEqual(a?.event.category, ['authentication']);
    assert.equal(a?.user.name, 'alice');
    assert.deepEqual(a?.source, { ip: '192.0.2.10', port: 52144 });
    assert.equal(a?.kyoka.ssh.method, 'password');
    const k = run(
      sshdParser,
      'Accepted publickey for deploy from 2001:db8::7 port 40022 ssh2: ED25519 SHA256:3pK1kq8YbQ6wq0zS9cCkC1uYb1m3fYc5c8lTQ0mF6jE',
    );
    assert.equal(k?.source.ip, '2001:db8::7');
    assert.equal(k?.kyoka.ssh.key_type, 'ED25519');
    assert.equal(k?.kyoka.ssh.key_fingerprint, 'SHA256:3pK1kq8YbQ6wq0zS9cCkC1uYb1m3fYc5c8lTQ0mF6jE');
  });

  it('failed password, valid and invalid user (names with spaces too)', () => {
    const f = run(sshdParser, 'Failed password for root from 203.0.113.5 port 41234 ssh2');
    assert.equal(f?.event.action, 'sshd.login_failure');
    assert.equal(f?.event.outcome, 'failure');
    assert.equal(f?.user.name, 'root');
    assert.equal(f?.kyoka.ssh.invalid_user, undefined);
    const i = run(sshdParser, 'Failed password for invalid user admin from 203.0.113.5 port 41240 ssh2');
    assert.equal(i?.user.name, 'admin');
    assert.equal(i?.kyoka.ssh.invalid_user, true);
    const s = run(sshdParser, 'Failed password for invalid user oracle test from ::ffff:203.0.113.6 port 1 ssh2');
    assert.equal(s?.user.name, 'oracle test');
    assert.equal(s?.source.ip, '203.0.113.6');
    const n = run(sshdParser, 'Failed none for invalid user guest from 203.0.113.5 port 41250 ssh2');
    assert.equal(n?.kyoka.ssh.method, 'none');
  });

  it('invalid user, disconnects and closes', () => {
    const i = run(sshdParser, 'Invalid user admin from 203.0.113.5 port 41240');
    assert.equal(i?.event.action, 'sshd.invalid_user');
    assert.equal(i?.user.name, 'admin');
    const d = run(sshdParser, 'Disconnected from invalid user admin 203.0.113.5 port 41240 [preauth]');
    assert.equal(d?.event.action, 'sshd.disconnect');
    assert.equal(d?.user.name, 'admin');
    assert.deepEqual(d?.source, { ip: '203.0.113.5', port: 41240 });
    const au = run(sshdParser, 'Disconnected from authenticating user root 203.0.113.5 port 41234 [preauth]');
    assert.equal(au?.user.name, 'root');
    const u = run(sshdParser, 'Disconnected from user alice 192.0.2.10 port 52144');
    assert.equal(u?.user.name, 'alice');
    const c = run(sshdParser, 'Connection closed by 203.0.113.5 port 41234 [preauth]');
    assert.equal(c?.event.action, 'sshd.connection_closed');
    assert.equal(c?.source.port, 41234);
    const cu = run(sshdParser, 'Connection closed by invalid user test 203.0.113.5 port 41236 [preauth]');
    assert.equal(cu?.user.name, 'test');
    const r = run(sshdParser, 'Received disconnect from 203.0.113.5 port 41234:11: Bye Bye [preauth]');
    assert.equal(r?.event.action, 'sshd.received_disconnect');
    assert.equal(r?.kyoka.ssh.disconnect_reason, 'Bye Bye');
  });

  it('errors, negotiation and banners', () => {
    const m = run(
      sshdParser,
      'error: maximum authentication attempts exceeded for root from 203.0.113.5 port 41234 ssh2 [preauth]',
    );
    assert.equal(m?.event.action, 'sshd.max_auth_exceeded');
    const n = run(
      sshdParser,
      'Unable to negotiate with 203.0.113.8 port 50000: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1 [preauth]',
    );
    assert.equal(n?.event.action, 'sshd.negotiation_failed');
    const b = run(sshdParser, 'banner exchange: Connection from 203.0.113.9 port 60000: invalid format');
    assert.equal(b?.event.action, 'sshd.bad_banner');
  });

  it('pam_unix sessions and auth failures', () => {
    const o = run(sshdParser, 'pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)');
    assert.equal(o?.event.action, 'sshd.session_opened');
    assert.deepEqual(o?.event.category, ['session']);
    assert.deepEqual(o?.event.type, ['start']);
    assert.equal(o?.user.name, 'alice');
    const c = run(sshdParser, 'pam_unix(sshd:session): session closed for user alice');
    assert.equal(c?.event.action, 'sshd.session_closed');
    const f = run(
      sshdParser,
      'pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.5  user=root',
    );
    assert.equal(f?.event.action, 'sshd.auth_failure');
    assert.equal(f?.user.name, 'root');
    assert.equal(f?.source.ip, '203.0.113.5');
  });

  it('ignores other lines and bounds work on pathological ones', () => {
    assert.equal(run(sshdParser, 'Server listening on 0.0.0.0 port 22.'), undefined);
    const t0 = performance.now();
    assert.equal(run(sshdParser, `Failed password for ${' from x'.repeat(15_000)}`), undefined);
    run(sshdParser, `Disconnected from user ${'a '.repeat(4000)}`);
    run(sshdParser, `Invalid user ${'a from b port 1 '.repeat(400)}x`);
    assert.ok(performance.now() - t0 < 100);
  });
});
