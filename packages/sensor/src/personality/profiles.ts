/**
 * Personality profiles: one consistent set of banners per node, matching what a real, current
 * host of that distribution shows (package versions as shipped by its security updates), so the
 * services do not contradict each other the way OpenCanary's 2015-era defaults do. A profile
 * fills only what the config file leaves unset. Chosen per node with `kyoka.personality`.
 */

export type Profile = Readonly<Record<string, unknown>>;

const debian12: Profile = Object.freeze({
  'kyoka.os': 'Debian GNU/Linux 12 (bookworm)',
  'ssh.version': 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3',
  'ftp.banner': '(vsFTPd 3.0.3)',
  'http.banner': 'Apache/2.4.62 (Debian)',
  'https.banner': 'Apache/2.4.62 (Debian)',
  'httpproxy.skin': 'squid',
  'httpproxy.banner': 'squid/5.7',
  // MariaDB 10.x puts 5.5.5- in front on the wire (clients strip it); nmap expects it
  'mysql.banner': '5.5.5-10.11.6-MariaDB-0+deb12u1',
  'mongodb.version': '7.0.14',
  'redis.version': '7.0.15',
  'telnet.banner': 'Debian GNU/Linux 12',
  'mssql.version': '2014',
  'llmnr.hostname': 'DC03',
});

const ubuntu2204: Profile = Object.freeze({
  'kyoka.os': 'Ubuntu 22.04.5 LTS',
  'ssh.version': 'SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10',
  'ftp.banner': '(vsFTPd 3.0.5)',
  'http.banner': 'Apache/2.4.52 (Ubuntu)',
  'https.banner': 'Apache/2.4.52 (Ubuntu)',
  'httpproxy.skin': 'squid',
  'httpproxy.banner': 'squid/5.2',
  'mysql.banner': '8.0.39-0ubuntu0.22.04.1',
  'mongodb.version': '6.0.16',
  'redis.version': '6.0.16',
  'telnet.banner': 'Ubuntu 22.04.5 LTS',
  'mssql.version': '2014',
  'llmnr.hostname': 'DC03',
});

export const PROFILES: Readonly<Record<string, Profile>> = Object.freeze({ debian12, ubuntu2204 });
export const DEFAULT_PROFILE = 'debian12';

export function profileNames(): string[] {
  return Object.keys(PROFILES);
}

/** The profile by name; undefined when unknown (config validation reports it). */
export function getProfile(name: string): Profile | undefined {
  return Object.hasOwn(PROFILES, name) ? PROFILES[name] : undefined;
}
