/**
 * Program parsers by syslog program name (APP-NAME / TAG), and `parseProgramLine` for lines
 * that arrive without syslog framing (tailed vsftpd.log / rsyncd.log / auth.log files).
 */
import type { EventInput } from '../../event/types.ts';
import type { ParseContext } from '../types.ts';
import { badEvent, baseEvent, child } from '../util.ts';
import type { ProgramParser } from './common.ts';
import { rsyncdParser } from './rsyncd.ts';
import { sshdParser } from './sshd.ts';
import { suParser } from './su.ts';
import { sudoParser } from './sudo.ts';
import { vsftpdParser } from './vsftpd.ts';

export type { ProgramParser } from './common.ts';
export { type PamLine, parsePam } from './common.ts';
export { rsyncdParser, sshdParser, sudoParser, suParser, vsftpdParser };

export const PROGRAM_PARSERS: readonly ProgramParser[] = [sshdParser, sudoParser, suParser, vsftpdParser, rsyncdParser];

const BY_NAME = new Map<string, ProgramParser>();
for (const p of PROGRAM_PARSERS) {
  BY_NAME.set(p.name, p);
  for (const a of p.aliases) BY_NAME.set(a, p);
}

/** The program parser for a syslog program name (case-insensitive), if any. */
export function programParser(program: string | undefined): ProgramParser | undefined {
  if (program === undefined) return undefined;
  return BY_NAME.get(program) ?? BY_NAME.get(program.toLowerCase());
}

/**
 * Parses one plain line of a program's own log (no syslog header), e.g. a vsftpd.log or
 * rsyncd.log line. Lines the program parser does not recognize still give an event
 * (action '<program>.message') so nothing is lost; unknown program names are refused.
 * (auth.log lines carry a syslog header: give those to the syslog parser instead.)
 */
export function parseProgramLine(program: string, line: string, ctx: ParseContext): EventInput {
  const p = programParser(program);
  if (p === undefined) throw badEvent(`no program parser named ${JSON.stringify(program.slice(0, 64))}`);
  const ev = baseEvent(line, ctx, p.name, 'logfile');
  if (!p.apply(line, ev)) {
    child(ev, 'event').action = `${p.name}.message`;
    ev.message = line;
  }
  return ev;
}
