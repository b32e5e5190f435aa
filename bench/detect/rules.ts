/** Generated Sigma-style rules for the detection benchmarks: candidates for real events that rarely match. */
const ACTIONS = [
  'sshd.login_failure',
  'ssh.login_attempt',
  'vsftpd.login_failure',
  'rsyncd.list',
  'redis.command',
  'http.get',
];
const DATASETS = ['sshd', 'opencanary', 'vsftpd', 'rsyncd', 'sudo'];

export function generated(n: number): string {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) {
    let det: string;
    if (i < n - 60) {
      // every rule is a candidate for some events (real actions), few match (as in production)
      const action = ACTIONS[i % ACTIONS.length];
      det = `  sel:\n    event.action: ${action}\n  who:\n    user.name|startswith: 'svc_${i}'\n  condition: sel and who\n`;
    } else if (i < n - 20) {
      det = `  sel:\n    event.dataset: ${DATASETS[i % DATASETS.length]}\n  kw:\n    message|contains|all: ['needle${i}', 'x']\n  condition: sel and kw\n`;
    } else if (i % 2 === 0) {
      det = `  keywords:\n    - 'exploit_${i}'\n    - '*payload_${i}*'\n  condition: keywords\n`;
    } else {
      det = `  net:\n    source.ip|cidr: ['100.64.${i}.0/24', '2001:db8:${i}::/48']\n  u:\n    user.name: 'adm?n_${i}*'\n  condition: net or u\n`;
    }
    docs.push(`title: bench ${i}\nid: bench-${i}\nlevel: low\ndetection:\n${det}`);
  }
  return docs.join('---\n');
}
