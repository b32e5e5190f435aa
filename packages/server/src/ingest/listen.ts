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
    throw err;
  }
}
