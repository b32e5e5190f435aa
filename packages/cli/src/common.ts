import { loadConfig } from '@kyoka/server';
import { type Command, InvalidArgumentError, Option } from 'commander';

export function portArg(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new InvalidArgumentError('must be a port from 0 to 65535');
  return n;
}

/** Options every role shares: where the config and data are. */
export function storageOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'YAML config file (default: $KYOKA_CONFIG, then ./kyoka.yaml)')
    .option('-d, --data <dir>', 'data directory for the embedded store (default: ./kyoka-data)')
    .addOption(new Option('--db <url>', 'storage URL: sqlite:PATH or postgres://user@host/db').env('KYOKA_DB'));
}

export interface StorageFlags {
  config?: string;
  data?: string;
  db?: string;
}

export function configFrom(flags: StorageFlags, extra: Record<string, unknown> = {}) {
  return loadConfig({ file: flags.config, env: process.env, flags: { data: flags.data, db: flags.db, ...extra } });
}
