import { generatePassword, hashPassword, openConfiguredStore } from '@kyoka/server';
import { Command } from 'commander';
import { configFrom, type StorageFlags, storageOptions } from './common.ts';

export function usersCommand(): Command {
  const users = new Command('users').description('Manage console users');
  storageOptions(
    users.command('reset-password').description('Set a new generated password for a user and print it once'),
  )
    .option('-n, --name <name>', 'user name', 'admin')
    .action(async (f: StorageFlags & { name: string }) => {
      const store = await openConfiguredStore(configFrom(f));
      try {
        if (!(await store.meta.getUser(f.name))) {
          console.error(`kyoka: no user ${f.name}`);
          process.exitCode = 1;
          return;
        }
        const pw = process.env.KYOKA_ADMIN_PASSWORD || generatePassword();
        await store.meta.setPassword(f.name, await hashPassword(pw));
        console.log(
          process.env.KYOKA_ADMIN_PASSWORD
            ? `password of ${f.name} set from KYOKA_ADMIN_PASSWORD`
            : `new password for ${f.name}: ${pw}`,
        );
      } finally {
        await store.close();
      }
    });
  return users;
}
