import { createApiKey, isRole, openConfiguredStore, ROLES, type Role } from '@kyoka/server';
import { Command, InvalidArgumentError } from 'commander';
import { configFrom, type StorageFlags, storageOptions } from './common.ts';

function roleArg(v: string): Role {
  if (!isRole(v)) throw new InvalidArgumentError(`must be one of ${ROLES.join(', ')}`);
  return v;
}

/** Works against the store directly, so keys can be made whether or not a server runs. */
export function keysCommand(): Command {
  const keys = new Command('keys').description('Manage API keys (stored hashed; a new key is printed once)');
  storageOptions(keys.command('create').description('Create an API key and print it once'))
    .requiredOption('-n, --name <name>', 'a name for the key (e.g. the sender it belongs to)')
    .requiredOption('-r, --role <role>', `one of ${ROLES.join(', ')}`, roleArg)
    .action(async (f: StorageFlags & { name: string; role: Role }) => {
      const store = await openConfiguredStore(configFrom(f));
      try {
        const { key, secret } = await createApiKey(store.meta, f.name, f.role);
        console.error(`created key ${key.id} "${key.name}" (role ${key.role}); it is shown only now:`);
        console.log(secret);
      } finally {
        await store.close();
      }
    });
  storageOptions(keys.command('list').description('List API keys (never their secrets)')).action(
    async (f: StorageFlags) => {
      const store = await openConfiguredStore(configFrom(f));
      try {
        for (const k of await store.meta.listApiKeys()) {
          const state = k.revokedAt ? 'revoked' : 'active';
          console.log(
            `${k.id}\t${k.name}\t${k.role}\tkyk_${k.prefix}_…\t${state}\t${new Date(k.createdAt).toISOString()}`,
          );
        }
      } finally {
        await store.close();
      }
    },
  );
  storageOptions(
    keys.command('revoke').description('Revoke an API key').argument('<id>', 'key id from `kyoka keys list`'),
  ).action(async (id: string, f: StorageFlags) => {
    const store = await openConfiguredStore(configFrom(f));
    try {
      if (!(await store.meta.revokeApiKey(id))) {
        console.error(`kyoka: no key with id ${id}`);
        process.exitCode = 1;
      } else console.log(`revoked ${id}`);
    } finally {
      await store.close();
    }
  });
  return keys;
}
