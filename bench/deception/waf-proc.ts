/** Child process for bench/deception/waf.ts: runs `createWaf` for one site and prints its port. */
import { createWaf, validateWafConfig } from '@kyoka/waf';

const [backend, logDir] = process.argv.slice(2) as [string, string];
const cfg = validateWafConfig({
  sites: [{ name: 'bench', listen: { port: 0 }, backend, sandbox: backend, action: 'deceive' }],
  sandbox_log: { dir: logDir },
});
const waf = await createWaf(cfg, { decisions: { typeFor: () => null }, report: () => {}, emit: () => {} });
process.stdout.write(`${JSON.stringify({ port: waf.addresses()[0]?.port })}\n`);
process.on('SIGTERM', () => {
  waf.close().then(() => process.exit(0));
});
