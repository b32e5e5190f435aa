/**
 * The default config `kyoka sensor --copyconfig` writes: OpenCanary's settings.json keys and
 * defaults (every service listed, all disabled), with banners from the personality profile
 * instead of OpenCanary's 2015-era ones, plus Kyoka's own `kyoka.*` keys.
 */
import { DEFAULT_PROFILE, getProfile } from '../personality/profiles.ts';

export function defaultConfig(profileName = DEFAULT_PROFILE): Record<string, unknown> {
  const p = getProfile(profileName) ?? {};
  const b = (key: string, fallback: string) => (typeof p[key] === 'string' ? p[key] : fallback);
  const conf: Record<string, unknown> = {
    'device.node_id': 'opencanary-1',
    'device.listen_addr': '',
    'ip.ignorelist': [],
    'logtype.ignorelist': [],
    'kyoka.personality': profileName,
    'kyoka.state_dir': '',
    'kyoka.server_url': '',
    'kyoka.heartbeat_seconds': 10,
    'kyoka.proxy_protocol': false,
    'git.enabled': false,
    'git.port': 9418,
    'ftp.enabled': false,
    'ftp.port': 21,
    'ftp.banner': b('ftp.banner', 'FTP server ready'),
    'ftp.log_auth_attempt_initiated': false,
    'http.banner': b('http.banner', 'Apache/2.2.22 (Ubuntu)'),
    'http.enabled': false,
    'http.port': 80,
    'http.skin': 'nasLogin',
    'http.log_unimplemented_method_requests': false,
    'http.log_redirect_request': false,
    'https.enabled': false,
    'https.port': 443,
    'https.skin': 'nasLogin',
    'https.certificate': '',
    'https.key': '',
    'httpproxy.enabled': false,
    'httpproxy.port': 8080,
    'httpproxy.skin': b('httpproxy.skin', 'squid'),
    'llmnr.enabled': false,
    'llmnr.query_interval': 60,
    'llmnr.query_splay': 5,
    'llmnr.hostname': b('llmnr.hostname', 'DC03'),
    'llmnr.port': 5355,
    logger: {
      class: 'PyLogger',
      kwargs: {
        formatters: { plain: { format: '%(message)s' } },
        handlers: {
          console: { class: 'logging.StreamHandler', stream: 'ext://sys.stdout' },
          file: { class: 'logging.FileHandler', filename: '/var/tmp/opencanary.log' },
        },
      },
    },
    'portscan.enabled': false,
    'portscan.ignore_localhost': false,
    'portscan.logfile': '/var/log/kern.log',
    'portscan.synrate': 5,
    'portscan.nmaposrate': 5,
    'portscan.lorate': 3,
    'portscan.ignore_ports': [],
    'smb.auditfile': '/var/log/samba-audit.log',
    'smb.enabled': false,
    'mysql.enabled': false,
    'mysql.port': 3306,
    'mysql.banner': b('mysql.banner', '5.5.43-0ubuntu0.14.04.1'),
    'mysql.log_connection_made': false,
    'ssh.enabled': false,
    'ssh.port': 22,
    'ssh.version': b('ssh.version', 'SSH-2.0-OpenSSH_5.1p1 Debian-4'),
    'redis.enabled': false,
    'redis.port': 6379,
    'redis.version': b('redis.version', '3.0.5'),
    'rdp.enabled': false,
    'rdp.port': 3389,
    'sip.enabled': false,
    'sip.port': 5060,
    'snmp.enabled': false,
    'snmp.port': 161,
    'ntp.enabled': false,
    'ntp.port': 123,
    'tftp.enabled': false,
    'tftp.port': 69,
    'tcpbanner.maxnum': 10,
    'tcpbanner.enabled': false,
    'tcpbanner_1.enabled': false,
    'tcpbanner_1.port': 8001,
    'tcpbanner_1.datareceivedbanner': '',
    'tcpbanner_1.initbanner': '',
    'tcpbanner_1.alertstring.enabled': false,
    'tcpbanner_1.alertstring': '',
    'tcpbanner_1.keep_alive.enabled': false,
    'tcpbanner_1.keep_alive_secret': '',
    'tcpbanner_1.keep_alive_probes': 11,
    'tcpbanner_1.keep_alive_interval': 300,
    'tcpbanner_1.keep_alive_idle': 300,
    'telnet.enabled': false,
    'telnet.port': 23,
    'telnet.banner': b('telnet.banner', ''),
    'telnet.honeycreds': [
      {
        username: 'admin',
        password:
          '$pbkdf2-sha512$19000$bG1NaY3xvjdGyBlj7N37Xw$dGrmBqqWa1okTCpN3QEmeo9j5DuV2u1EuVFD8Di0GxNiM64To5O/Y66f7UASvnQr8.LCzqTm6awC8Kj/aGKvwA',
      },
      { username: 'admin', password: 'admin1' },
    ],
    'telnet.log_tcp_connection': false,
    'mssql.enabled': false,
    'mssql.version': b('mssql.version', '2012'),
    'mssql.port': 1433,
    'mongodb.enabled': false,
    'mongodb.port': 27017,
    'mongodb.version': b('mongodb.version', '4.4.6'),
    'vnc.enabled': false,
    'vnc.port': 5000,
  };
  return conf;
}

/** The default config as OpenCanary's file layout: 4-space indented JSON. */
export function defaultConfigText(profileName = DEFAULT_PROFILE): string {
  return `${JSON.stringify(defaultConfig(profileName), null, 4)}\n`;
}
