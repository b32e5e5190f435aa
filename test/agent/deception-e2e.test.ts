/**
 * Issue 5 end to end, in network namespaces the test creates (attacker, client, protected host,
 * sandbox host): a real vsftpd on the protected host, its clone (another vsftpd, another banner)
 * on the sandbox host, a real Kyoka server, and `kyoka agent` (its library entry, with the
 * kernel commands run inside the protected namespace) tailing vsftpd.log and enforcing port 21.
 * `hydra` brute-forces the FTP service; the agent ships the FAIL LOGIN lines, the FTP
 * brute-force rule crosses its threshold, the decision comes back over the push stream, and:
 *   - deception mode: the attacker's next connection reaches the sandbox, the client keeps the
 *     real service, and the sandbox's own log (shipped by a collectors-only agent) records what
 *     the attacker does there; removing the decision, and a short decision expiring, restore routing;
 *   - firewall mode: the attacker is dropped;
 *   - reflect mode: the attacker reaches its own port 21;
 * and stopping the agent leaves the namespace's ruleset exactly as it was.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningAgent, runAgent, validateAgentConfig } from '@kyoka/agent';
import { createSpawnRunner } from '@kyoka/agent/enforce/index';
import { client, until } from '../decisions/client.ts';
import { type Kyoka, searchUntil, startKyoka } from '../helpers/kyoka.ts';
import { netnsUnavailable } from '../helpers/netns.ts';
import { createLab, LAB, type Lab, type Probe, probe, serveWord } from '../helpers/netns-lab.ts';

const VSFTPD = '/usr/sbin/vsftpd';
const skip =
  netnsUnavailable() ??
  (!existsSync(VSFTPD) ? 'vsftpd is not installed (apt-get install vsftpd)' : null) ??
  (!['/usr/bin/hydra', '/usr/sbin/hydra'].some((p) => existsSync(p)) ? 'hydra is not installed' : null) ??
  false;

const dir = mkdtempSync(join(tmpdir(), 'kyoka-deception-'));
const PASSWORDS = ['123456', 'password', 'admin', 'qwerty', 'letmein', 'dragon', 'monkey', 'abc123'];

function vsftpdConf(name: string, addr: string, banner: string): string {
  const d = join(dir, name);
  mkdirSync(join(d, 'empty'), { recursive: true, mode: 0o755 });
  writeFileSync(join(d, 'vsftpd.log'), '');
  const conf = join(d, 'vsftpd.conf');
  writeFileSync(
    conf,
    [
      'listen=YES',
      'listen_ipv6=NO',
      `listen_address=${addr}`,
      'listen_port=21',
      'background=NO',
      'anonymous_enable=NO',
      'local_enable=YES',
      'pam_service_name=vsftpd',
      `ftpd_banner=${banner}`,
      'xferlog_enable=YES',
      'xferlog_std_format=NO',
      'dual_log_enable=YES',
      `vsftpd_log_file=${join(d, 'vsftpd.log')}`,
      `xferlog_file=${join(d, 'xferlog')}`,
      `secure_chroot_dir=${join(d, 'empty')}`,
      'seccomp_sandbox=NO',
      'delay_failed_login=0',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return conf;
}

describe('deception end to end: hydra → decision → kernel', { skip }, () => {
  let lab: Lab;
  let k: Kyoka;
  let c: Awaited<ReturnType<typeof client>>;
  let atk: Probe;
  let cli: Probe;
  let agent: RunningAgent | null = null;
  /** Ships the sandbox's own vsftpd.log (collectors only, no enforcement), as a sandbox host would. */
  let sandboxShipper: RunningAgent | null = null;
  const procs: ChildProcess[] = [];
  let baseline = '';
  let attackerIp: string = LAB.attacker;

  before(async () => {
    lab = await createLab();
    procs.push(lab.protected.spawn(VSFTPD, [vsftpdConf('real', LAB.protected, 'REAL FTP')]));
    procs.push(lab.sandbox.spawn(VSFTPD, [vsftpdConf('sandbox', LAB.sandbox, 'SANDBOX FTP')]));
    procs.push(await serveWord(lab.attacker, [21], '220 ATTACKER'));
    atk = await probe(lab.attacker);
    cli = await probe(lab.client);
    await until(async () => {
      const r = await cli.get(LAB.protected, 21);
      return r.result === 'ok' && r.word.includes('REAL FTP');
    }, 'vsftpd up');
    baseline = await lab.protected.must('nft', ['list', 'ruleset']);
    k = await startKyoka({ env: { KYOKA_SENSORS_HEARTBEAT_SEC: '1' } });
    c = await client(k);
    sandboxShipper = await runAgent(
      validateAgentConfig({
        server: { url: k.url, token: await enrollToken('sandbox-ftp') },
        name: 'sandbox-ftp',
        state_dir: join(dir, 'agent-sandbox'),
        collectors: [{ type: 'file', path: join(dir, 'sandbox', 'vsftpd.log'), format: 'vsftpd', from: 'start' }],
      }),
      { version: 'test' },
    );
  });

  after(async () => {
    await agent?.stop().catch(() => {});
    await sandboxShipper?.stop().catch(() => {});
    for (const p of procs) p.kill('SIGKILL');
    await k?.stop();
    await lab?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const ruleMode = async (mode: 'default' | 'deceive') => {
    const res = await fetch(`${k.url}/api/v1/rules/kyoka-bf-ftp`, {
      method: 'PUT',
      headers: { ...(await c.adminHeaders()), 'content-type': 'application/json' },
      body: JSON.stringify({ mode }),
    });
    assert.equal(res.status, 200, await res.text());
  };

  async function enrollToken(name: string): Promise<string> {
    const tok = await fetch(`${k.url}/api/v1/agents/tokens`, {
      method: 'POST',
      headers: { ...(await c.adminHeaders()), 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'agent', name }),
    });
    assert.equal(tok.status, 201);
    return ((await tok.json()) as { token: string }).token;
  }

  const startAgent = async (mode: 'deception' | 'firewall' | 'reflect') => {
    const token = await enrollToken(`web-${mode}`);
    const cfg = validateAgentConfig({
      server: { url: k.url, token },
      name: `web-${mode}`,
      state_dir: join(dir, `agent-${mode}`),
      enforce: {
        backend: 'nftables',
        // the sandbox routes back through the protected host: no masquerade, so it sees the attacker's address
        protect: [
          {
            port: 21,
            protocol: 'tcp',
            mode,
            ...(mode === 'deception' ? { sandbox: `${LAB.sandbox}:21`, masquerade: false } : {}),
          },
        ],
        whitelist: [],
        management: [],
      },
      collectors: [
        { type: 'file', name: 'vsftpd', path: join(dir, 'real', 'vsftpd.log'), format: 'vsftpd', from: 'end' },
      ],
    });
    agent = await runAgent(cfg, {
      version: 'test',
      enforcer: { runner: createSpawnRunner({ prefix: lab.protected.prefix }) },
    });
  };

  const stopAgent = async () => {
    await agent?.stop();
    agent = null;
    assert.equal(await lab.protected.must('nft', ['list', 'ruleset']), baseline, 'every rule the agent added is gone');
  };

  /** Gives the attacker a fresh address (a rule's blackhole keeps a banned source quiet for a minute). */
  const newAttackerAddress = async (ip: string) => {
    // add before delete: removing an interface's last address flushes its routes
    await lab.attacker.must('ip', ['addr', 'add', `${ip}/32`, 'dev', 'eth0']);
    await lab.attacker.must('ip', ['addr', 'del', `${attackerIp}/32`, 'dev', 'eth0']);
    await lab.attacker.must('ip', ['route', 'replace', LAB.protected, 'dev', 'eth0', 'src', ip]);
    await lab.attacker.must('ip', ['route', 'replace', 'default', 'via', LAB.protected, 'src', ip]);
    await lab.protected.must('ip', ['route', 'add', ip, 'dev', 'eth-a']);
    attackerIp = ip;
  };

  const hydra = async () => {
    writeFileSync(join(dir, 'pw.txt'), `${PASSWORDS.join('\n')}\n`);
    const h = lab.attacker.spawn('hydra', [
      '-l',
      'admin',
      '-P',
      join(dir, 'pw.txt'),
      '-t',
      '4',
      '-I',
      `ftp://${LAB.protected}`,
    ]);
    let out = '';
    h.stdout?.on('data', (d) => (out += d));
    h.stderr?.on('data', (d) => (out += d));
    await new Promise<void>((r) => h.once('exit', () => r()));
    return out;
  };

  const decisionFor = (ip: string, type: string) =>
    until(
      async () => {
        const r = await fetch(`${k.url}/api/v1/decisions?ip=${ip}`, { headers: await c.adminHeaders() });
        const j = (await r.json()) as { decisions: { id: number; type: string; origin: string; scenario: string }[] };
        return j.decisions.find((d) => d.type === type) ?? null;
      },
      `${type} decision for ${ip}`,
      20_000,
    );

  const banner = async (p: Probe, timeoutMs = 1500) => {
    const r = await p.get(LAB.protected, 21, { timeoutMs });
    return r.result === 'ok' ? r.word : r.result;
  };

  it('deception mode: the brute-forcing source is moved into the sandbox, others are untouched', async () => {
    await ruleMode('deceive');
    await startAgent('deception');
    assert.match(await banner(atk), /REAL FTP/);
    const out = await hydra();
    assert.match(out, /\[DATA\] attacking ftp:\/\//, out);
    const d = await decisionFor(attackerIp, 'deceive');
    assert.equal(d.scenario, 'kyoka-bf-ftp');
    await until(async () => /SANDBOX FTP/.test(await banner(atk)), 'attacker in the sandbox', 5000);
    assert.match(await banner(cli), /REAL FTP/, 'the other client keeps the real service');

    // what the attacker does in the sandbox is recorded: the sandbox's log reaches the server
    const login = await lab.attacker.run('curl', ['-s', '--max-time', '5', `ftp://intruder:s3cret@${LAB.protected}/`]);
    assert.notEqual(login.code, 0, 'the sandbox refuses the login too');
    const seen = await searchUntil(
      k,
      k.readKey,
      { q: 'observer.name:"sandbox-ftp" and user.name:"intruder"' },
      (r) => r.total >= 1,
      15_000,
    );
    assert.equal(seen.events[0]?.source?.ip, attackerIp, 'recorded with the attacker address (DNAT keeps the source)');

    // removing the decision restores normal routing
    const del = await fetch(`${k.url}/api/v1/decisions/${d.id}`, { method: 'DELETE', headers: await c.adminHeaders() });
    assert.equal(del.status, 200);
    await until(async () => /REAL FTP/.test(await banner(atk)), 'attacker back on the real service', 5000);

    // a short decision expires by itself (kernel element timeout), also while no change arrives
    await c.add(attackerIp, '3s', 'deceive');
    await until(async () => /SANDBOX FTP/.test(await banner(atk)), 'short decision applied', 5000);
    await until(async () => /REAL FTP/.test(await banner(atk)), 'short decision expired', 8000);

    // the agent is listed in the console API with its mode, port and collector
    const list = await until(async () => {
      const r = await fetch(`${k.url}/api/v1/agents`, { headers: await c.adminHeaders() });
      const j = (await r.json()) as {
        agents: { name: string; status: string; protect: { mode: string }[]; collectors: { events: number }[] }[];
      };
      const a = j.agents.find((x) => x.name === 'web-deception');
      return a?.collectors[0] && a.collectors[0].events >= PASSWORDS.length ? a : null;
    }, 'agent heartbeat');
    assert.equal(list.status, 'online');
    assert.equal(list.protect[0]?.mode, 'deception');
    await stopAgent();
  });

  it('firewall mode: the brute-forcing source is dropped', async () => {
    await ruleMode('default');
    await newAttackerAddress('10.77.0.5');
    await startAgent('firewall');
    await hydra();
    await decisionFor(attackerIp, 'ban');
    await until(async () => (await banner(atk, 800)) === 'timeout', 'attacker dropped', 5000);
    assert.match(await banner(cli), /REAL FTP/);
    await stopAgent();
    assert.match(await banner(atk), /REAL FTP/, 'stopping the agent lifts its rules');
  });

  it('reflect mode: the brute-forcing source talks to itself', async () => {
    await ruleMode('deceive');
    await newAttackerAddress('10.77.0.6');
    await startAgent('reflect');
    await hydra();
    await decisionFor(attackerIp, 'deceive');
    await until(async () => /ATTACKER/.test(await banner(atk)), 'attacker reflected', 5000);
    assert.match(await banner(cli), /REAL FTP/);
    await stopAgent();
  });
});
