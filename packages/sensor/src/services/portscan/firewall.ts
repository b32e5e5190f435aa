/**
 * Installs and removes the portscan LOG rules (rules.ts) with nft (preferred) or iptables. The
 * programs are run directly (no shell) with fixed arguments; only validated integers from the
 * config reach them. A missing privilege is reported as a KyokaError naming the service.
 */
import { execFile } from 'node:child_process';
import { KyokaError } from '@kyoka/core';
import { IPT_SETUP, IPT_TEARDOWN, iptablesRules, NFT_TABLE, nftRuleset, type RateConf } from './rules.ts';

export type Backend = 'nft' | 'iptables';

function run(cmd: string, args: string[], input?: string): Promise<{ ok: boolean; err: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: 10_000 }, (error, _out, stderr) =>
      resolve({ ok: !error, err: (stderr || error?.message || '').trim() }),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

function denied(err: string): KyokaError {
  const why = /not permitted|permission denied|EPERM|you must be root/i.test(err)
    ? 'needs root or CAP_NET_ADMIN'
    : err || 'unknown error';
  return new KyokaError('KYOKA_E_FORBIDDEN', `portscan: cannot install firewall LOG rules: ${why}`);
}

export async function installRules(backend: Backend | 'auto', rates: RateConf): Promise<Backend> {
  const errors: string[] = [];
  if (backend !== 'iptables') {
    await run('nft', ['delete', 'table', 'inet', NFT_TABLE]);
    const r = await run('nft', ['-f', '-'], nftRuleset(rates));
    if (r.ok) return 'nft';
    errors.push(`nft: ${r.err}`);
    if (backend === 'nft') throw denied(r.err);
  }
  for (const a of IPT_TEARDOWN) await run('iptables', a);
  for (const a of [...IPT_SETUP, ...iptablesRules(rates)]) {
    const r = await run('iptables', a);
    if (!r.ok) {
      for (const t of IPT_TEARDOWN) await run('iptables', t);
      errors.push(`iptables: ${r.err}`);
      throw denied(errors.join('; '));
    }
  }
  return 'iptables';
}

export async function removeRules(backend: Backend): Promise<void> {
  if (backend === 'nft') await run('nft', ['delete', 'table', 'inet', NFT_TABLE]);
  else for (const a of IPT_TEARDOWN) await run('iptables', a);
}
