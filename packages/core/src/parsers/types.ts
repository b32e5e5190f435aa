import type { EventInput } from '../event/types.ts';

export interface ParseContext {
  receivedAt: Date;
  sourceName: string;
  peerIp?: string;
  peerPort?: number;
  transport?: 'udp' | 'tcp' | 'tls' | 'http';
}

export interface Parser {
  readonly type: string;
  /** throws KyokaError('KYOKA_E_BAD_EVENT') on input it cannot use */
  parse(input: string | Record<string, unknown>, ctx: ParseContext): EventInput[];
}
