/** Log source parsers: one per source type, all behind the same `Parser` interface. */
import { KyokaError } from '../errors/index.ts';
import { createJsonParser } from './json.ts';
import { createOpencanaryParser } from './opencanary.ts';
import { createSyslogParser } from './syslog.ts';
import type { Parser } from './types.ts';
import { createWebproxyParser } from './webproxy.ts';

export { createJsonParser, jsonToEvent } from './json.ts';
export {
  createOpencanaryParser,
  type LogtypeInfo,
  OPENCANARY_LOGTYPES,
  opencanaryLogtype,
  opencanaryToEvent,
} from './opencanary.ts';
export * from './programs/index.ts';
export { createSyslogParser, jsonTail, syslogToEvent } from './syslog.ts';
export type { ParseContext, Parser } from './types.ts';
export { toIsoTime, toPort } from './util.ts';
export { createWebproxyParser, webproxyToEvent } from './webproxy.ts';

export const PARSER_TYPES = ['json', 'opencanary', 'webproxy', 'syslog'] as const;
export type ParserType = (typeof PARSER_TYPES)[number];

const FACTORIES: Record<ParserType, () => Parser> = {
  json: createJsonParser,
  opencanary: createOpencanaryParser,
  webproxy: createWebproxyParser,
  syslog: createSyslogParser,
};

export function isParserType(t: unknown): t is ParserType {
  return typeof t === 'string' && Object.hasOwn(FACTORIES, t);
}

export function createParser(type: ParserType): Parser {
  if (!isParserType(type))
    throw new KyokaError('KYOKA_E_BAD_CONFIG', `unknown parser type ${JSON.stringify(String(type))}`);
  return FACTORIES[type]();
}
