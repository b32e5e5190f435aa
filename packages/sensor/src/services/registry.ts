/**
 * The fixed allow-list of honeypot services: name -> transport, OpenCanary's default port and
 * the class/module OpenCanary names in its "Added service" startup records. Modules are loaded
 * by dynamic import of `./<name>/index.ts` only for names in this table, so a config key can
 * never choose a path.
 */
import type { ServiceFactory } from '../service/types.ts';

export interface ServiceInfo {
  transport: 'tcp' | 'udp' | 'none';
  /** OpenCanary's settings.json port; null for services without a listener. */
  port: number | null;
  /** OpenCanary class and module, for the startup record. */
  klass: string;
  module: string;
}

export const TCPBANNER_MAX = 10;

export const SERVICES: Readonly<Record<string, ServiceInfo>> = Object.freeze({
  ftp: { transport: 'tcp', port: 21, klass: 'CanaryFTP', module: 'ftp' },
  ssh: { transport: 'tcp', port: 22, klass: 'CanarySSH', module: 'ssh' },
  telnet: { transport: 'tcp', port: 23, klass: 'Telnet', module: 'telnet' },
  http: { transport: 'tcp', port: 80, klass: 'CanaryHTTP', module: 'http' },
  https: { transport: 'tcp', port: 443, klass: 'CanaryHTTPS', module: 'https' },
  httpproxy: { transport: 'tcp', port: 8080, klass: 'HTTPProxy', module: 'httpproxy' },
  git: { transport: 'tcp', port: 9418, klass: 'CanaryGit', module: 'git' },
  rdp: { transport: 'tcp', port: 3389, klass: 'CanaryRDP', module: 'rdp' },
  vnc: { transport: 'tcp', port: 5000, klass: 'CanaryVNC', module: 'vnc' },
  mysql: { transport: 'tcp', port: 3306, klass: 'CanaryMySQL', module: 'mysql' },
  mssql: { transport: 'tcp', port: 1433, klass: 'MSSQL', module: 'mssql' },
  mongodb: { transport: 'tcp', port: 27017, klass: 'CanaryMongoDB', module: 'mongo' },
  redis: { transport: 'tcp', port: 6379, klass: 'CanaryRedis', module: 'redis' },
  ntp: { transport: 'udp', port: 123, klass: 'CanaryNtp', module: 'ntp' },
  sip: { transport: 'udp', port: 5060, klass: 'CanarySIP', module: 'sip' },
  snmp: { transport: 'udp', port: 161, klass: 'CanarySNMP', module: 'snmp' },
  tftp: { transport: 'udp', port: 69, klass: 'Tftp', module: 'tftp' },
  llmnr: { transport: 'none', port: null, klass: 'CanaryLLMNR', module: 'llmnr' },
  portscan: { transport: 'none', port: null, klass: 'CanaryPortscan', module: 'portscan' },
  smb: { transport: 'none', port: null, klass: 'CanarySamba', module: 'samba' },
});

const TCPBANNER_RE = /^tcpbanner_([1-9]\d*)$/;

/** Info for a service name (tcpbanner_N included), or undefined when the name is not allowed. */
export function serviceInfo(name: string): ServiceInfo | undefined {
  if (Object.hasOwn(SERVICES, name)) return SERVICES[name];
  const m = TCPBANNER_RE.exec(name);
  if (m && Number(m[1]) <= TCPBANNER_MAX)
    return { transport: 'tcp', port: 8000 + Number(m[1]), klass: 'CanaryTCPBanner', module: 'tcpbanner' };
  return undefined;
}

/** Every service name the sensor knows, in display order. */
export function allServiceNames(): string[] {
  const names = Object.keys(SERVICES);
  for (let i = 1; i <= TCPBANNER_MAX; i++) names.push(`tcpbanner_${i}`);
  return names;
}

/** Loads the factory for an allowed name; rejects with a clear message when the module is missing. */
export async function loadFactory(name: string): Promise<ServiceFactory> {
  const m = TCPBANNER_RE.exec(name);
  if (m) {
    if (!serviceInfo(name)) throw new Error(`unknown service ${name}`);
    const mod = (await import('./tcpbanner/index.ts')) as { tcpbannerFactory?: (n: number) => ServiceFactory };
    if (typeof mod.tcpbannerFactory !== 'function') throw new Error('tcpbanner module exports no tcpbannerFactory');
    return mod.tcpbannerFactory(Number(m[1]));
  }
  if (!Object.hasOwn(SERVICES, name)) throw new Error(`unknown service ${name}`);
  let mod: { factory?: ServiceFactory };
  try {
    mod = (await import(`./${name}/index.ts`)) as { factory?: ServiceFactory };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String(err).includes(`/${name}/index.ts`))
      throw new Error(`${name}: this build has no ${name} service module`);
    throw err;
  }
  if (typeof mod.factory !== 'function') throw new Error(`${name} module exports no factory`);
  return mod.factory;
}
