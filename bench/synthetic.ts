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
