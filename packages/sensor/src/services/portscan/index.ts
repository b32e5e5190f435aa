/**
 * Portscan canary (OpenCanary's `portscan`): installs firewall LOG rules (firewall.ts, rules.ts)
 * and turns the kernel's log lines (kernel-log.ts, parse.ts) into 5001 PORT_SYN, 5002 NMAPOS,
 * 5003 NULL, 5004 XMAS and 5005 FIN records. Settings: portscan.synrate, nmaposrate, lorate,
 * logfile, ignore_localhost (OpenCanary's), plus Kyoka's portscan.firewall ('auto' | 'nft' |
 * 'iptables' | 'none': rules managed elsewhere) and portscan.log_source. Rules are removed on stop.
 * Without privilege start() rejects with a KyokaError naming the service; nothing crashes.
 */
import type { HoneypotService, ServiceFactory } from '../../service/types.ts';
import { type Backend, installRules, removeRules } from './firewall.ts';
import { type LineSource, openKernelLog } from './kernel-log.ts';
import { parseKernelLine } from './parse.ts';
import { normaliseRates } from './rules.ts';

export const factory: ServiceFactory = (ctx): HoneypotService => {
  const rates = normaliseRates({
    synrate: ctx.conf.get('portscan.synrate', 5),
    nmaposrate: ctx.conf.get('portscan.nmaposrate', 5),
    lorate: ctx.conf.get('portscan.lorate', 3),
  });
  const ignoreLocalhost = ctx.conf.get<unknown>('portscan.ignore_localhost', false) === true;
  const firewall = String(ctx.conf.get('portscan.firewall', 'auto'));
  let backend: Backend | null = null;
  let source: LineSource | null = null;

  const onLine = (line: string) => {
    const rec = parseKernelLine(line);
    if (rec === null) return;
    if (rec === 'malformed') {
      ctx.count('portscan', 'malformed');
      return;
    }
    if (ignoreLocalhost && rec.conn.src_host === '127.0.0.1') return;
    ctx.log(rec.conn, rec.logtype, rec.logdata);
  };

  return {
    name: 'portscan',
    ports: [],
    async start() {
      if (firewall !== 'none') {
        backend = await installRules(firewall === 'nft' || firewall === 'iptables' ? firewall : 'auto', rates);
      }
      try {
        source = await openKernelLog(ctx.conf, onLine, () => ctx.count('portscan', 'oversize'));
        ctx.debug(`portscan: ${backend ?? 'external'} rules, reading ${source.describe}`);
      } catch (err) {
        if (backend) await removeRules(backend);
        backend = null;
        throw err;
      }
    },
    async stop() {
      await source?.stop();
      source = null;
      if (backend) await removeRules(backend);
      backend = null;
    },
  };
};
