/**
 * Where the portscan canary reads kernel LOG lines from: portscan.logfile (OpenCanary's
 * /var/log/kern.log) when configured or present, else the kernel ring buffer through
 * `dmesg --follow-new` (/dev/kmsg, no syslog daemon needed), else `journalctl -k -f`.
 * portscan.log_source forces one ('file' | 'kmsg' | 'journal'). Lines are bounded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import type { SensorConf } from '../../service/types.ts';
import { tailFile } from '../smb/file-tail.ts';

export interface LineSource {
  describe: string;
  stop(): Promise<void>;
}

const MAX_LINE = 8 * 1024;

function readable(p: string): boolean {
  try {
    accessSync(p, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function follow(cmd: string, args: string[], onLine: (l: string) => void, onOversize: () => void): LineSource {
  const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  let partial = '';
  let skipping = false;
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    const parts = chunk.split('\n');
    for (let i = 0; i < parts.length - 1; i++) {
      const line = partial + parts[i];
      partial = '';
      if (skipping) skipping = false;
      else if (line.length > MAX_LINE) onOversize();
      else onLine(line);
    }
    if (!skipping) partial += parts[parts.length - 1];
    if (partial.length > MAX_LINE) {
      partial = '';
      skipping = true;
      onOversize();
    }
  });
  child.on('error', () => {});
  return {
    describe: `${cmd} ${args.join(' ')}`,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill();
      await gone;
    },
  };
}

/** Resolves once the source is reading (for dmesg: once the child has started). */
export async function openKernelLog(
  conf: SensorConf,
  onLine: (l: string) => void,
  onOversize: () => void,
): Promise<LineSource> {
  const file = String(conf.get('portscan.logfile', '/var/log/kern.log'));
  const want = String(conf.get('portscan.log_source', 'auto'));
  if (want === 'file' || (want === 'auto' && (conf.has('portscan.logfile') || existsSync(file)))) {
    const t = await tailFile({
      path: file,
      pollMs: Number(conf.get('portscan.poll_ms', 250)) || 250,
      maxLine: MAX_LINE,
      onLine,
      onOversize,
    });
    return { describe: file, stop: () => t.stop() };
  }
  if (want === 'kmsg' || (want === 'auto' && readable('/dev/kmsg'))) {
    const src = follow('dmesg', ['--follow-new', '--kernel', '--notime'], onLine, onOversize);
    return src;
  }
  return follow('journalctl', ['-k', '-f', '-n', '0', '-o', 'cat'], onLine, onOversize);
}
