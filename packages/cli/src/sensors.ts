/**
 * `kyoka sensors token create [--name N] [--ttl 24h]`: prints a one-time enrollment token for
 * a honeypot sensor (`kyoka sensor --server URL --enroll-token T`). Works against the store
 * directly, like `kyoka keys`, so it needs no running server or admin session.
 */
import { openConfiguredStore, storeUrl } from '@kyoka/server';
import { openSensorDb } from '@kyoka/server/sensors/db';
import { createEnrollToken, parseTtl } from '@kyoka/server/sensors/tokens';
import { Command, InvalidArgumentError } from 'commander';
import { configFrom, type StorageFlags, storageOptions } from './common.ts';

function ttlArg(v: string): number {
  try {
    return parseTtl(v);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message.replace(/^ttl: /, ''));
  }
}

export function sensorsCommand(): Command {
  const sensors = new Command('sensors').description('Manage honeypot sensors centrally');
  const token = sensors.command('token').description('Enrollment tokens (one-time, stored hashed, expiring)');
  storageOptions(token.command('create').description('Create a one-time enrollment token and print it once'))
    .option('-n, --name <name>', 'name given to the sensor that enrolls with it (default: its own name)')
    .option('--ttl <duration>', 'validity, e.g. 30m, 24h, 7d (at most 30d)', ttlArg, 86_400)
    .action(async (f: StorageFlags & { name?: string; ttl: number }) => {
      const config = configFrom(f);
      const store = await openConfiguredStore(config); // creates and migrates the database
      const db = openSensorDb(storeUrl(config));
      try {
        const t = await createEnrollToken(db, { name: f.name ?? null, ttlSeconds: f.ttl, createdBy: 'cli' });
        console.error(`enrollment token (one use, expires ${t.expires_at}); it is shown only now. Enroll with:`);
        console.error(`  kyoka sensor --server <server URL> --enroll-token ${t.token}`);
        console.log(t.token);
      } finally {
        await db.destroy();
        await store.close();
      }
    });
  return sensors;
}
