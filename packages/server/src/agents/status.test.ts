/** cleanStatus: unknown keys are dropped at every level, bad values are refused naming the key. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanStatus } from './status.ts';

const base = { version: '0.1.0', hostname: 'web-1', kind: 'agent' };

describe('agent status', () => {
  it('keeps declared fields and drops unknown ones at every level', () => {
    const s = cleanStatus({
      ...base,
      evil: '<script>',
      backend: 'nftables',
      protect: [{ port: 22, protocol: 'tcp', mode: 'deception', sandbox: '10.0.0.9:22', extra: 1 }],
      decisions: { ban: 1, deceive: 2, reflect: 0, other: 9 },
      stream: { connected: true, last_seq: 12, lag_ms: 3, x: 'y' },
    });
    assert.deepEqual(s, {
      ...base,
      backend: 'nftables',
      protect: [{ port: 22, protocol: 'tcp', mode: 'deception', sandbox: '10.0.0.9:22' }],
      decisions: { ban: 1, deceive: 2, reflect: 0 },
      stream: { connected: true, last_seq: 12, lag_ms: 3 },
    });
  });

  it('accepts a port as text (a range or service name) and a null stream position', () => {
    const s = cleanStatus({ ...base, protect: [{ port: '8000-8080', protocol: 'tcp', mode: 'firewall' }] });
    assert.equal(s.protect?.[0]?.port, '8000-8080');
    assert.equal(cleanStatus({ ...base, stream: { connected: false, last_seq: null } }).stream?.last_seq, null);
  });

  it('refuses bad values and names the key', () => {
    assert.throws(
      () => cleanStatus({ ...base, backend: 'pf' }),
      (e: Error & { code?: string }) => e.code === 'KYOKA_E_BAD_REQUEST' && /status\.backend/.test(e.message),
    );
    assert.throws(() => cleanStatus({ ...base, kind: 'sensor' }), /status\.kind/);
    assert.throws(() => cleanStatus({ ...base, hostname: 'x'.repeat(256) }), /status\.hostname/);
    assert.throws(
      () =>
        cleanStatus({ ...base, protect: Array.from({ length: 257 }, () => ({ port: 1, protocol: 'tcp', mode: 'x' })) }),
      /status\.protect/,
    );
    assert.throws(() => cleanStatus(null), /status/);
  });
});
