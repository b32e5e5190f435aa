/**
 * OpenCanary logtype → Kyoka action table (logtypes from opencanary/logger.py). `login`
 * marks credential attempts: a honeypot login always fails, so they get outcome 'failure'.
 */
export interface LogtypeInfo {
  readonly action: string;
  readonly service: string;
  readonly transport?: 'tcp' | 'udp';
  readonly category: readonly string[];
  readonly type: readonly string[];
  readonly login?: boolean;
}

const AUTH = ['authentication', 'intrusion_detection'] as const;
const NET = ['network', 'intrusion_detection'] as const;
const HOST = ['host'] as const;

function sys(action: string): LogtypeInfo {
  return { action: `system.${action}`, service: 'opencanary', category: HOST, type: ['info'] };
}
function login(action: string, service: string, transport: 'tcp' | 'udp' = 'tcp'): LogtypeInfo {
  return { action, service, transport, category: AUTH, type: ['start'], login: true };
}
function conn(action: string, service: string, transport: 'tcp' | 'udp' = 'tcp'): LogtypeInfo {
  return { action, service, transport, category: NET, type: ['connection', 'start'] };
}
function access(action: string, service: string, transport: 'tcp' | 'udp' = 'tcp'): LogtypeInfo {
  return { action, service, transport, category: NET, type: ['access'] };
}

export const OPENCANARY_LOGTYPES: Readonly<Record<number, LogtypeInfo>> = Object.freeze({
  1000: sys('boot'),
  1001: sys('msg'),
  1002: sys('debug'),
  1003: { ...sys('error'), type: ['error'] },
  1004: sys('ping'),
  1005: { ...sys('config_save'), category: ['configuration'], type: ['change'] },
  1006: sys('example'),
  2000: login('ftp.login_attempt', 'ftp'),
  2001: conn('ftp.auth_attempt_initiated', 'ftp'),
  3000: { action: 'http.get', service: 'http', transport: 'tcp', category: ['web', 'network'], type: ['access'] },
  3001: { ...login('http.post_login_attempt', 'http'), category: ['web', ...AUTH] },
  3002: {
    action: 'http.unimplemented_method',
    service: 'http',
    transport: 'tcp',
    category: ['web', 'network'],
    type: ['access'],
  },
  3003: { action: 'http.redirect', service: 'http', transport: 'tcp', category: ['web', 'network'], type: ['access'] },
  4000: conn('ssh.new_connection', 'ssh'),
  4001: { ...conn('ssh.remote_version_sent', 'ssh'), type: ['protocol'] },
  4002: login('ssh.login_attempt', 'ssh'),
  5000: {
    action: 'smb.file_open',
    service: 'smb',
    transport: 'tcp',
    category: ['file', 'intrusion_detection'],
    type: ['access'],
  },
  5001: conn('portscan.syn', 'portscan'),
  5002: conn('portscan.nmap_os', 'portscan'),
  5003: conn('portscan.nmap_null', 'portscan'),
  5004: conn('portscan.nmap_xmas', 'portscan'),
  5005: conn('portscan.nmap_fin', 'portscan'),
  6001: login('telnet.login_attempt', 'telnet'),
  6002: conn('telnet.connection_made', 'telnet'),
  7001: { ...login('httpproxy.login_attempt', 'httpproxy'), category: ['web', ...AUTH] },
  8001: login('mysql.login_attempt', 'mysql'),
  9001: login('mssql.login_sqlauth', 'mssql'),
  9002: login('mssql.login_winauth', 'mssql'),
  9003: conn('mysql.connection_made', 'mysql'),
  10001: access('tftp.request', 'tftp', 'udp'),
  11001: access('ntp.monlist', 'ntp', 'udp'),
  12001: login('vnc.login_attempt', 'vnc'),
  13001: access('snmp.command', 'snmp', 'udp'),
  14001: login('rdp.login_attempt', 'rdp'),
  15001: access('sip.request', 'sip', 'udp'),
  16001: access('git.clone_request', 'git'),
  17001: access('redis.command', 'redis'),
  18001: conn('tcpbanner.connection_made', 'tcpbanner'),
  18002: conn('tcpbanner.keepalive_connection_made', 'tcpbanner'),
  18003: access('tcpbanner.keepalive_secret_received', 'tcpbanner'),
  18004: access('tcpbanner.keepalive_data_received', 'tcpbanner'),
  18005: access('tcpbanner.data_received', 'tcpbanner'),
  19001: access('llmnr.query_response', 'llmnr', 'udp'),
  20001: access('mongodb.event', 'mongodb'),
  99000: access('user.99000', 'user'),
  99001: access('user.99001', 'user'),
  99002: access('user.99002', 'user'),
  99003: access('user.99003', 'user'),
  99004: access('user.99004', 'user'),
  99005: access('user.99005', 'user'),
  99006: access('user.99006', 'user'),
  99007: access('user.99007', 'user'),
  99008: access('user.99008', 'user'),
  99009: access('user.99009', 'user'),
});
