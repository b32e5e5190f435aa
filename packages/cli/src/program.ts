/**
 * The `kyoka` program shell shared by the full CLI (main.ts) and the sensor's lean entry
 * (sensor-main.ts): name, version flag, help behaviour and the KyokaError -> exit 2 mapping, so
 * both entries behave identically.
 */
import { KyokaError } from '@kyoka/core';
import { VERSION } from '@kyoka/core/version';
import { Command } from 'commander';

export function kyokaProgram(): Command {
  return new Command('kyoka')
    .description('Kyoka: honeypots, deception, detection and response in one self-hosted platform')
    .version(VERSION, '-v, --version')
    .showHelpAfterError();
}

export async function runProgram(program: Command, argv: string[] = process.argv): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof KyokaError) {
      console.error(`kyoka: ${err.message} [${err.code}]`);
      process.exit(2);
    }
    throw err;
  }
}
