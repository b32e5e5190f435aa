/**
 * Python logging's %-style format strings, for handlers configured with a `formatter` from the
 * `logger.kwargs.formatters` section (OpenCanary's examples use "%(message)s" and the syslog_rfc
 * format). Supports %(name)s-style fields with optional width/flags; unknown fields become "".
 */
import type { Formatter } from './types.ts';

const FIELD_RE = /%\((\w+)\)([-#0 +]*)(\d*)([sdf])/g;

const LEVEL = 'WARNING';

export function makeFormatter(fmt: string | undefined, loggerName: string): Formatter {
  if (!fmt || fmt === '%(message)s') return (line) => line;
  return (line) =>
    fmt.replace(FIELD_RE, (_m, field: string, flags: string, width: string) => {
      let v: string;
      switch (field) {
        case 'message':
          v = line;
          break;
        case 'process':
          v = String(process.pid);
          break;
        case 'thread':
          v = '140000000000000';
          break;
        case 'name':
          v = loggerName;
          break;
        case 'levelname':
          v = LEVEL;
          break;
        case 'levelno':
          v = '30';
          break;
        case 'asctime':
          v = new Date().toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');
          break;
        default:
          v = '';
      }
      const w = Number(width || 0);
      return flags.includes('-') ? v.padEnd(w) : v.padStart(w);
    });
}
