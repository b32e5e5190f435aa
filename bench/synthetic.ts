/** Vocabulary of the synthetic honeypot events the benchmarks generate. */
export const ACTIONS = [
  'ssh.login_attempt',
  'ftp.login_attempt',
  'http.post_login_attempt',
  'redis.command',
  'telnet.login_attempt',
  'portscan.syn',
];
export const USERS = ['root', 'admin', 'oracle', 'test', 'ubuntu', 'pi', 'postgres', 'guest'];

/**
 * The ingest benchmarks' ~300-byte honeypot-like event number `i`, as one JSON line (as
 * machine-limits.md measured with); its time is `at`. `sources` bounds the distinct source
 * addresses (65,536 by default: every i below that is a new one); `id` is set when given.
 */
export function benchEventLine(i: number, at: number, o: { sources?: number; id?: string } = {}): string {
  const s = i % (o.sources ?? 65_536);
  return JSON.stringify({
    ...(o.id === undefined ? {} : { id: o.id }),
    '@timestamp': new Date(at).toISOString(),
    event: { action: ACTIONS[i % 5], category: ['authentication'], outcome: 'failure', dataset: 'bench' },
    source: { ip: `198.51.${(s >> 8) & 255}.${s & 255}`, port: 1024 + (i % 60000) },
    destination: { ip: '192.0.2.10', port: 22 },
    user: { name: USERS[i % 8] },
    observer: { name: 'bench-sensor' },
    kyoka: { credentials: { username: USERS[i % 8], password: `pw${i % 997}` } },
  });
}
