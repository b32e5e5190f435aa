/** The `kyoka` command: one binary, several roles. */

import { kyokaProgram, runProgram } from './program.ts';

const program = kyokaProgram();

// A honeypot node runs only `kyoka sensor`: loading the server's modules too would cost it
// ~60 MB of memory and seconds of start-up for nothing. (bin/kyoka.js usually runs the sensor
// from its prebuilt bundle, sensor-main.ts, without tsx; this branch serves dev runs.)
if (process.argv[2] === 'sensor') {
  program.addCommand((await import('./sensor.ts')).sensorCommand());
} else if (process.argv[2] === 'agent' || process.argv[2] === 'waf') {
  const { agentCommand, wafCommand } = await import('./nodes.ts');
  program.addCommand(process.argv[2] === 'agent' ? agentCommand() : wafCommand());
} else {
  const [
    { serveCommand },
    { sensorCommand },
    { keysCommand },
    { usersCommand },
    { sensorsCommand },
    { decisionsCommand },
    { agentCommand, wafCommand },
  ] = await Promise.all([
    import('./serve.ts'),
    import('./sensor.ts'),
    import('./keys.ts'),
    import('./users.ts'),
    import('./sensors.ts'),
    import('./decisions.ts'),
    import('./nodes.ts'),
  ]);
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
  program.addCommand(decisionsCommand());
  program.addCommand(agentCommand());
  program.addCommand(wafCommand());
}

await runProgram(program);
