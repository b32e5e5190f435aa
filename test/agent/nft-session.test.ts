/**
 * The agent's long-lived `nft -i` session against the real nft, in a network namespace this test
 * creates: one line is one atomic transaction (a refused command leaves none of its line
 * applied), a refusal is reported and the same child keeps serving, answers stay matched to
 * their transactions over many lines, and close() ends the child. Root and nft only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createNftSession, type NftSession } from '../../packages/agent/src/enforce/nft-session.ts';
import { createSpawnRunner } from '../../packages/agent/src/enforce/runner.ts';
import { createNetns, type Netns, netnsUnavailable, runCommand } from '../helpers/netns.ts';

const unavailable =
  netnsUnavailable() ?? ((await runCommand(['nft', '--version'])).code === 0 ? null : 'nft is not installed');
if (unavailable) console.log(`# SKIP nft session: ${unavailable}`);

describe('nft -i session (real nft)', { skip: unavailable ?? false }, () => {
  let ns: Netns;
  let session: NftSession;
  const opened: number[] = [];
  const elements = async () => {
    const out = await ns.must('nft', ['list', 'set', 'inet', 'kyokatest', 'ban4']);
    return (out.match(/\d+\.\d+\.\d+\.\d+/g) ?? []).sort();
  };

  before(async () => {
    ns = await createNetns('nftsession');
    await ns.must('nft', ['-f', '-'], {
      input: 'table inet kyokatest {\n  set ban4 { type ipv4_addr; flags timeout; }\n}\n',
    });
    const run = createSpawnRunner({ prefix: ns.prefix });
    const open = run.open;
    assert.ok(open);
    session = createNftSession({
      open: (cmd, args, env) => {
        const p = open(cmd, args, env);
        opened.push(p.pid ?? -1);
        return p;
      },
    });
  });

  after(async () => {
    await session?.close();
    await ns?.destroy();
  });

  it('commits a transaction and says nothing else', async () => {
    const r = await session.run('add element inet kyokatest ban4 { 10.0.0.1 timeout 60000ms }\n');
    assert.deepEqual(r, { code: 0, stdout: '', stderr: '' });
    assert.deepEqual(await elements(), ['10.0.0.1']);
  });

  it('a refused line applies none of its commands, is reported, and the child keeps serving', async () => {
    const r = await session.run(
      'add element inet kyokatest ban4 { 10.0.0.2 timeout 60000ms }\ndelete element inet kyokatest ban4 { 10.0.0.99 }\n',
    );
    assert.equal(r.code, 1);
    assert.equal(r.broken, undefined);
    assert.match(r.stderr, /^Error: Could not process rule: No such file or directory/);
    assert.deepEqual(await elements(), ['10.0.0.1'], '10.0.0.2 was not added: the line is one transaction');
    const ok = await session.run('add element inet kyokatest ban4 { 10.0.0.3 timeout 60000ms }\n');
    assert.equal(ok.code, 0);
    assert.deepEqual(await elements(), ['10.0.0.1', '10.0.0.3']);
    assert.equal(opened.length, 1, 'one child for all of it');
  });

  it('200 transactions in a row, every other one refused: each answer matches its line', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        session.run(
          i % 2
            ? `delete element inet kyokatest ban4 { 10.1.0.${i} }`
            : `add element inet kyokatest ban4 { 10.1.0.${i} timeout 60000ms }`,
        ),
      ),
    );
    for (const [i, r] of results.entries()) assert.equal(r.code, i % 2 ? 1 : 0, `transaction ${i}`);
    assert.equal((await elements()).filter((e) => e.startsWith('10.1.')).length, 100);
    assert.equal(opened.length, 1);
  });

  it('close() ends the child', async () => {
    await session.close();
    const pid = opened[0] as number;
    const alive = await runCommand(['kill', '-0', String(pid)]);
    assert.notEqual(alive.code, 0, 'nft -i exited');
  });
});
