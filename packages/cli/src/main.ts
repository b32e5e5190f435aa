/** The `kyoka` command: one binary, several roles. */

import { KyokaError } from '@kyoka/core';
import { VERSION } from '@kyoka/server/app';
import { Command } from 'commander';
import { keysCommand } from './keys.ts';
import { sensorCommand } from './sensor.ts';
import { sensorsCommand } from './sensors.ts';
import { serveCommand } from './serve.ts';
import { usersCommand } from './users.ts';

const program = new Command('kyoka')
  .description('Kyoka: honeypots, deception, detection and response in one self-hosted platform')
  .version(VERSION, '-v, --version')
  .showHelpAfterError();

program.addCommand(
  serveCommand(
    'start',
    'All-in-one on this machine: server + console with embedded storage (SQLite), syslog listening',
  ),
);
program.addCommand(
  serveCommand(
    'server',
    'The server role alone (API, console, ingest); shares PostgreSQL with other servers when --db is set',
  ),
);
program.addCommand(sensorCommand());
program.addCommand(keysCommand());
program.addCommand(usersCommand());
program.addCommand(sensorsCommand());

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof KyokaError) {
    console.error(`kyoka: ${err.message} [${err.code}]`);
    process.exit(2);
  }
  throw err;
}
