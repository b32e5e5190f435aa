/**
 * `kyoka agent` and `kyoka waf`: the host agent (kernel enforcement of decisions, service log
 * collectors) and the WAF reverse proxy. Each reads one YAML config (validated once, errors name
 * the key), enrolls with the server on first start (--token), and on SIGINT/SIGTERM removes
 * what it installed (the agent's firewall rules) before exiting. A bad config exits 2.
 */
import { KyokaError } from '@kyoka/core';
import { VERSION } from '@kyoka/core/version';
import { Command } from 'commander';

interface NodeFlags {
  config: string;
  server?: string;
  token?: string;
  verbose?: boolean;
}

function fail(role: string, msg: string): never {
  console.error(`kyoka ${role}: ${msg}`);
  process.exit(2);
}

/** Flags override the config file's server section (the enroll command the console shows uses them). */
function withServer(raw: unknown, f: NodeFlags): unknown {
  if (!f.server && !f.token) return raw;
  const r = { ...((raw ?? {}) as Record<string, unknown>) };
  const s = { ...((r.server ?? {}) as Record<string, unknown>) };
  if (f.server) s.url = f.server;
  if (f.token) s.token = f.token;
  r.server = s;
  return r;
}

function onSignals(role: string, stop: () => Promise<void>): void {
  let done = false;
  const handler = (sig: string) => {
    if (done) return;
    done = true;
    console.error(`kyoka ${role}: ${sig}, stopping`);
    stop()
      .then(() => process.exit(0))
      .catch((err: Error) => {
        console.error(`kyoka ${role}: stop failed: ${err.message}`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}

function nodeCommand(role: 'agent' | 'waf', description: string, help: string): Command {
  return new Command(role)
    .description(description)
    .requiredOption('-c, --config <file>', `${role} config (YAML)`)
    .option('--server <url>', 'Kyoka server URL (overrides server.url)')
    .option('--token <token>', 'one-time enrollment token from the console (first start only)')
    .option('--verbose', 'print diagnostics to stderr')
    .addHelpText('after', help);
}

export function agentCommand(): Command {
  return nodeCommand(
    'agent',
    'Host agent: enforces decisions in the kernel (nftables/iptables) per protected port, collects service logs',
    '\nModes per protected port: honeypot, deception, reflect, firewall. See docs/deception.md.',
  ).action(async (f: NodeFlags) => {
    const { readYamlFile } = await import('@kyoka/link');
    const { runAgent, validateAgentConfig } = await import('@kyoka/agent');
    const log = f.verbose ? (m: string, x?: object) => console.error(`kyoka agent: ${m}`, x ?? '') : undefined;
    try {
      const cfg = validateAgentConfig(withServer(readYamlFile(f.config), f), process.env);
      const agent = await runAgent(cfg, { version: VERSION, log });
      onSignals('agent', () => agent.stop());
      const st = agent.status() as { backend?: string; protect?: { port: unknown; protocol: string; mode: string }[] };
      console.error(
        [
          `kyoka agent: enrolled with ${cfg.server.url}${agent.credentials.agent_id ? ` as ${agent.credentials.agent_id}` : ''}`,
          ...(st.protect ?? []).map((p) => `  protecting ${p.port}/${p.protocol} in ${p.mode} mode (${st.backend})`),
          ...cfg.collectors.map(
            (c) =>
              `  collecting ${c.type} ${'path' in c ? c.path : 'unit' in c ? c.unit : c.url.replace(/\/\/[^@]*@/, '//')}`,
          ),
        ].join('\n'),
      );
    } catch (err) {
      if (err instanceof KyokaError) fail('agent', `${err.message} [${err.code}]`);
      throw err;
    }
  });
}

export function wafCommand(): Command {
  return nodeCommand(
    'waf',
    'WAF reverse proxy: attack signatures; redirect, custom page, or deceive into a sandbox clone',
    '\nWithout server.url the WAF runs standalone on its own detections. See docs/deception.md.',
  ).action(async (f: NodeFlags) => {
    const { readYamlFile } = await import('@kyoka/link');
    const { runWaf, validateWafNodeConfig } = await import('@kyoka/waf');
    const log = f.verbose ? (m: string, x?: object) => console.error(`kyoka waf: ${m}`, x ?? '') : undefined;
    try {
      const cfg = validateWafNodeConfig(withServer(readYamlFile(f.config), f), process.env);
      const node = await runWaf(cfg, { version: VERSION, log });
      onSignals('waf', () => node.stop());
      console.error(
        [
          cfg.server ? `kyoka waf: linked to ${cfg.server.url}` : 'kyoka waf: standalone (no server)',
          ...node.waf.addresses().map((a) => {
            const s = cfg.waf.sites.find((x) => x.name === a.site);
            return `  site ${a.site} on ${s?.listen.tls ? 'https' : 'http'}://${s?.listen.host}:${a.port} -> ${s?.backend} (sandbox ${s?.sandbox}, on attack: ${s?.action})`;
          }),
        ].join('\n'),
      );
    } catch (err) {
      if (err instanceof KyokaError) fail('waf', `${err.message} [${err.code}]`);
      throw err;
    }
  });
}
