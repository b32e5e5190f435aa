/**
 * Child process for bench/deception/waf.ts: runs `createWaf` for one site and prints its port.
 * argv: backend URL, sandbox-log dir, and `on` | `off` (off disables every signature category,
 * to show what inspection costs).
 */
import { createWaf, validateWafConfig } from '@kyoka/waf';
import { SIGNATURE_CATEGORIES } from '@kyoka/waf/config';

const [backend, logDir, signatures = 'on'] = process.argv.slice(2) as [string, string, string?];
const cfg = validateWafConfig({
  sites: [
    {
      name: 'bench',
      listen: { port: 0 },
      backend,
      sandbox: backend,
      action: 'deceive',
      signatures: { disable: signatures === 'off' ? [...SIGNATURE_CATEGORIES] : [] },
    },
  ],
  sandbox_log: { dir: logDir },
});
const waf = await createWaf(cfg, { decisions: { typeFor: () => null }, report: () => {}, emit: () => {} });
process.stdout.write(`${JSON.stringify({ port: waf.addresses()[0]?.port })}\n`);
const stop = () => {
  waf.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
