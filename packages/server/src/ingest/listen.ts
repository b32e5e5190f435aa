import { KyokaError } from '@kyoka/core';

/** Runs a bind and turns "address in use" / "no privilege" into errors naming the port and key. */
export async function listenOrExplain(
  key: string,
  port: number,
  proto: string,
  bind: () => Promise<unknown>,
): Promise<void> {
  try {
    await bind();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new KyokaError('KYOKA_E_PORT_IN_USE', `port ${port}/${proto} is already in use (config key ${key})`, {
        cause: err,
        details: { key, port },
      });
    }
    if (code === 'EACCES') {
      throw new KyokaError(
        'KYOKA_E_PORT_IN_USE',
        `no permission to listen on port ${port}/${proto} (config key ${key}); use a port above 1023 or run with CAP_NET_BIND_SERVICE`,
        { cause: err, details: { key, port } },
      );
    }
    // an address this machine does not have, or a name that does not resolve: the host key is wrong
    const hostKey = key.startsWith('syslog.') ? 'syslog.host' : key.replace(/port$/, 'host');
    const e = err as NodeJS.ErrnoException & { address?: string; hostname?: string };
    const why: Record<string, string> = {
      EADDRNOTAVAIL: 'is not an address of this machine',
      ENOTFOUND: 'does not resolve to an address',
      EAI_AGAIN: 'could not be resolved (DNS unavailable)',
      EAFNOSUPPORT: 'is of an address family this machine does not support',
      EINVAL: 'is not a valid listen address',
    };
    if (code && why[code]) {
      const host = e.address ?? e.hostname ?? '';
      throw new KyokaError(
        'KYOKA_E_BAD_CONFIG',
        `config key ${hostKey}: cannot listen on ${host} port ${port}/${proto}: ${host || 'the host'} ${why[code]}`,
        {
          cause: err,
          details: { key: hostKey, port },
        },
      );
    }
    throw err;
  }
}
