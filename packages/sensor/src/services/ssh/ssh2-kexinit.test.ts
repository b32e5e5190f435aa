/**
 * The KEXINIT the sensor sends before ssh2 exists (presendKexinit): framed as ssh2's NullCipher
 * frames it, a fresh cookie and padding per connection, and a payload equal to the one handed to
 * ssh2 later (kexinitPayload), which goes into the exchange hash. A client ssh2 would send a
 * different offer (BAD_DHGEX) gets nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { algorithmLists, buildOffer, OPENSSH_9_2 } from './algorithms.ts';
import { canPresendKexinit, kexinitPayload, presendKexinit } from './ssh2-internals.ts';

const offer = buildOffer(algorithmLists(undefined), OPENSSH_9_2.serverHostKey);

test('presendKexinit: ssh2 framing, fresh randomness, the payload ssh2 adopts', () => {
  assert.ok(canPresendKexinit, "ssh2's Protocol.js was loaded before the kexinit hook");
  const sent: Buffer[] = [];
  const a = presendKexinit((p) => sent.push(p), offer, 'OpenSSH_9.6');
  const b = presendKexinit((p) => sent.push(p), offer, 'paramiko_2.12.0');
  assert.ok(a !== null && b !== null);
  assert.equal(sent.length, 2);
  assert.notEqual(a, b);
  for (const [i, p] of sent.entries()) {
    const padLen = p[4] as number;
    assert.equal(p.readUInt32BE(0), p.length - 4);
    assert.equal(p.length % 8, 0);
    assert.ok(padLen >= 4 && padLen < 4 + 8);
    assert.equal(p[5], 20); // SSH_MSG_KEXINIT
    const payload = p.subarray(5, p.length - padLen);
    assert.deepEqual(payload, kexinitPayload(offer, (i === 0 ? a : b) as string));
    assert.match(payload.toString('latin1', 21, 21 + payload.readUInt32BE(17)), /^curve25519-sha256,/);
  }
  assert.notDeepEqual(sent[0]?.subarray(-8), sent[1]?.subarray(-8), 'padding is drawn per packet');
});

test('presendKexinit: nothing for clients whose offer ssh2 alters', () => {
  const sent: Buffer[] = [];
  assert.equal(
    presendKexinit((p) => sent.push(p), offer, 'Cisco-1.25'),
    null,
  );
  assert.equal(sent.length, 0);
});
