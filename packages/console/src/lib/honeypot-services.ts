/**
 * OpenCanary's services with their default ports, for the template editor, and the same
 * basic checks the server and the sensor apply (enabled is a boolean, ports 1-65535, no two
 * enabled services on one port and transport).
 */
export interface HoneypotServiceDef {
  name: string;
  port: number | null;
  transport: 'tcp' | 'udp';
}

export const HONEYPOT_SERVICES: readonly HoneypotServiceDef[] = [
  { name: 'ssh', port: 22, transport: 'tcp' },
  { name: 'ftp', port: 21, transport: 'tcp' },
  { name: 'telnet', port: 23, transport: 'tcp' },
  { name: 'http', port: 80, transport: 'tcp' },
  { name: 'https', port: 443, transport: 'tcp' },
  { name: 'httpproxy', port: 8080, transport: 'tcp' },
  { name: 'mysql', port: 3306, transport: 'tcp' },
  { name: 'mssql', port: 1433, transport: 'tcp' },
  { name: 'mongodb', port: 27017, transport: 'tcp' },
  { name: 'redis', port: 6379, transport: 'tcp' },
  { name: 'git', port: 9418, transport: 'tcp' },
  { name: 'vnc', port: 5000, transport: 'tcp' },
  { name: 'rdp', port: 3389, transport: 'tcp' },
  { name: 'tcpbanner_1', port: 8001, transport: 'tcp' },
  { name: 'sip', port: 5060, transport: 'udp' },
  { name: 'snmp', port: 161, transport: 'udp' },
  { name: 'ntp', port: 123, transport: 'udp' },
  { name: 'tftp', port: 69, transport: 'udp' },
  { name: 'llmnr', port: null, transport: 'udp' },
  { name: 'portscan', port: null, transport: 'tcp' },
  { name: 'smb', port: null, transport: 'tcp' },
];

export interface ServiceRow {
  name: string;
  enabled: boolean;
  port: number | string;
}

export type ConfErrors = Record<string, string>;

/** Problems by key ("ftp.port"); the messages are i18n keys. */
export function checkRows(rows: ServiceRow[]): ConfErrors {
  const errors: ConfErrors = {};
  const seen = new Map<string, string>();
  for (const r of rows) {
    const def = HONEYPOT_SERVICES.find((d) => d.name === r.name);
    if (!def || def.port === null) continue;
    const port = Number(r.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      errors[`${r.name}.port`] = 'templates.errPort';
      continue;
    }
    if (!r.enabled) continue;
    const slot = `${port}/${def.transport}`;
    const other = seen.get(slot);
    if (other) errors[`${r.name}.port`] = `templates.errDuplicate|${other}`;
    else seen.set(slot, r.name);
  }
  return errors;
}

/** Rows from a flat conf (unknown services are left to the extra settings). */
export function rowsFromConf(conf: Record<string, unknown>): ServiceRow[] {
  return HONEYPOT_SERVICES.map((d) => ({
    name: d.name,
    enabled: conf[`${d.name}.enabled`] === true,
    port: typeof conf[`${d.name}.port`] === 'number' ? (conf[`${d.name}.port`] as number) : (d.port ?? ''),
  }));
}

/** Keys the checklist does not own (banners, skins, …). */
export function extraFromConf(conf: Record<string, unknown>): Record<string, unknown> {
  const owned = new Set(HONEYPOT_SERVICES.flatMap((d) => [`${d.name}.enabled`, `${d.name}.port`]));
  return Object.fromEntries(Object.entries(conf).filter(([k]) => !owned.has(k)));
}

export function confFromRows(rows: ServiceRow[], extra: Record<string, unknown>): Record<string, unknown> {
  const conf: Record<string, unknown> = { ...extra };
  for (const r of rows) {
    const def = HONEYPOT_SERVICES.find((d) => d.name === r.name);
    conf[`${r.name}.enabled`] = r.enabled;
    if (def?.port !== null && r.port !== '') conf[`${r.name}.port`] = Number(r.port);
  }
  return conf;
}
