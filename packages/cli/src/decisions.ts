/**
 * `kyoka decisions add|list|delete`: manual decisions straight in the database (like
 * `kyoka keys`), so they work with or without a running server; a running server picks the
 * change up from the decision change log within its poll interval (2 s) and pushes it to
 * bouncers and agents. Decisions made here have origin `cscli`.
 */
import { openConfiguredStore, storeUrl } from '@kyoka/server';
import {
  DECISION_TYPES,
  DecisionService,
  type DecisionType,
  decisionView,
  openDecisionDb,
  parseDuration,
} from '@kyoka/server/decisions/index';
import { Command, InvalidArgumentError } from 'commander';
import { configFrom, type StorageFlags, storageOptions } from './common.ts';

function typeArg(v: string): DecisionType {
  if (!(DECISION_TYPES as readonly string[]).includes(v))
    throw new InvalidArgumentError(`must be one of ${DECISION_TYPES.join(', ')}`);
  return v as DecisionType;
}

function durationArg(v: string): number {
  try {
    return parseDuration(v);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message.replace(/^duration: /, ''));
  }
}

function idArg(v: string): number {
  if (!/^\d{1,15}$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('must be a decision id');
  return Number(v);
}

async function withService<T>(f: StorageFlags, fn: (svc: DecisionService) => Promise<T>): Promise<T> {
  const config = configFrom(f);
  const store = await openConfiguredStore(config); // creates and migrates the database
  const { db } = openDecisionDb(storeUrl(config));
  try {
    return await fn(new DecisionService({ db }));
  } finally {
    await db.destroy();
    await store.close();
  }
}

export function decisionsCommand(): Command {
  const cmd = new Command('decisions').description('Manage decisions (ban / deceive / reflect) on IPs and ranges');
  storageOptions(cmd.command('add').description('Add a decision (extends a live one on the same value and type)'))
    .requiredOption('--value <ip|cidr>', 'IPv4/IPv6 address or CIDR')
    .option('--type <type>', DECISION_TYPES.join(' | '), typeArg, 'ban' as DecisionType)
    .option('--duration <duration>', 'e.g. 4h, 30m, 7d', durationArg, 4 * 3_600_000)
    .option('--reason <text>', 'why (shown to operators)')
    .action(async (f: StorageFlags & { value: string; type: DecisionType; duration: number; reason?: string }) => {
      const d = await withService(f, (svc) =>
        svc.create({
          value: f.value,
          type: f.type,
          duration_ms: f.duration,
          origin: 'cscli',
          reason: f.reason ?? 'manual (cli)',
        }),
      );
      console.error(`decision ${d.id}: ${d.type} ${d.value} until ${new Date(d.expires_at).toISOString()}`);
      console.log(d.id);
    });
  storageOptions(cmd.command('list').description('List live decisions (or all with --all)'))
    .option('--all', 'include expired and deleted decisions')
    .option('--value <ip|cidr>', 'only this value')
    .option('--json', 'one JSON object per line')
    .action(async (f: StorageFlags & { all?: boolean; value?: string; json?: boolean }) => {
      const rows = await withService(f, (svc) => svc.list({ active: !f.all, value: f.value, limit: 10_000 }));
      for (const r of rows) {
        const v = decisionView(r);
        if (f.json) console.log(JSON.stringify(v));
        else {
          const state = v.deleted_at ? 'deleted' : r.expires_at <= Date.now() ? 'expired' : 'active';
          console.log(
            `${v.id}\t${v.type}\t${v.value}\t${v.origin}\t${state}\t${v.expires_at}\t${JSON.stringify(v.reason)}`,
          );
        }
      }
    });
  storageOptions(cmd.command('delete').description('Delete live decisions by id or by value'))
    .option('--id <n>', 'decision id', idArg)
    .option('--value <ip|cidr>', 'every live decision on this value')
    .action(async (f: StorageFlags & { id?: number; value?: string }) => {
      if ((f.id === undefined) === (f.value === undefined)) {
        console.error('kyoka: give exactly one of --id or --value');
        process.exitCode = 2;
        return;
      }
      const removed = await withService(f, (svc) => svc.remove(f.id ?? (f.value as string)));
      if (!removed.length) {
        console.error('kyoka: no live decision matched');
        process.exitCode = 1;
      } else for (const r of removed) console.log(`deleted ${r.id} (${r.type} ${r.value})`);
    });
  return cmd;
}
