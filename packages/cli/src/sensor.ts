/**
 * `kyoka sensor`: the honeypot sensor, a drop-in for `opencanaryd --dev/--start`. Reads an
 * OpenCanary config unchanged (OpenCanary's search order or --config), writes the default one
 * with --copyconfig, enrolls with a Kyoka server and ships events to it when --server is given.
 * A bad config exits 2 with the key named.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { KyokaError } from '@kyoka/core';
import { VERSION } from '@kyoka/core/version';
import { CONFIG_NAME, defaultConfigText } from '@kyoka/sensor/config/index';
import { describeStatus, runSensor } from '@kyoka/sensor/runtime/index';
import { Command } from 'commander';
import { adaptiveV8 } from './sensor-v8.ts';

interface SensorFlags {
  config?: string;
  copyconfig?: boolean;
  server?: string;
  enrollToken?: string;
  dev?: boolean;
  verbose?: boolean;
}

function fail(msg: string): never {
  console.error(`kyoka sensor: ${msg}`);
  process.exit(2);
}

export function sensorCommand(): Command {
  return new Command('sensor')
    .description('Honeypot sensor: OpenCanary-compatible services, config and log lines')
    .option(
      '-c, --config <file>',
      `config file (default: /etc/opencanaryd/${CONFIG_NAME}, ~/.${CONFIG_NAME}, ./${CONFIG_NAME})`,
    )
    .option('--copyconfig', `write the default config to ./${CONFIG_NAME} (never overwrites) and exit`)
    .option('--server <url>', 'Kyoka server to enroll with, heartbeat to and ship events to')
    .option('--enroll-token <token>', 'one-time enrollment token from the console (first start only)')
    .option('--dev', 'also log records to the console (like opencanaryd --dev)')
    .option('--verbose', 'print diagnostics (bind errors, heartbeat failures) to stderr')
    .addHelpText(
      'after',
      "\nThe config is OpenCanary's flat JSON (or YAML: .yaml/.yml). Kyoka keys: kyoka.personality\n(debian12, ubuntu2204), kyoka.state_dir, kyoka.server_url, kyoka.heartbeat_seconds, kyoka.proxy_protocol.",
    )
    .action(async (f: SensorFlags) => {
      if (f.copyconfig) {
        const dest = resolve(CONFIG_NAME);
        if (existsSync(dest)) fail(`${dest} already exists; not overwriting it`);
        writeFileSync(dest, defaultConfigText(), { flag: 'wx' });
        console.log(
          `kyoka sensor: wrote the default config to ${dest}; enable services in it, then run \`kyoka sensor\``,
        );
        return;
      }
      // V8 favours memory while the sensor is quiet, speed while it works (sensor-v8.ts)
      const tuning = process.env.KYOKA_SENSOR_V8_TUNING;
      if (tuning === 'memory') setFlagsFromString('--optimize-for-size');
      else if (tuning !== '0') adaptiveV8();
      let sensor: Awaited<ReturnType<typeof runSensor>>;
      try {
        sensor = await runSensor({
          version: VERSION,
          configPath: f.config,
          serverUrl: f.server,
          enrollToken: f.enrollToken,
          dev: f.dev,
          debug: f.verbose ? (m) => console.error(`kyoka sensor: ${m}`) : undefined,
        });
      } catch (err) {
        if (err instanceof KyokaError) fail(`${err.message} [${err.code}]`);
        throw err;
      }
      const st = sensor.status();
      const up = st.filter((s) => s.status === 'running').length;
      const where = sensor.conf.get<string>('device.listen_addr', '');
      console.error(
        [
          `kyoka sensor: node ${sensor.runtime.nodeId}, config ${sensor.conf.path ?? '(in memory)'}, ${up} service(s) running`,
          ...describeStatus(st, where),
          ...(sensor.credentials
            ? [`  events -> ${sensor.credentials.server_url} (spool in ${sensor.runtime.stateDir})`]
            : []),
        ].join('\n'),
      );
      if (st.length && up === 0) {
        await sensor.stop();
        fail('no service could start');
      }
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        await sensor.stop();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop());
      process.on('SIGTERM', () => void stop());
    });
}
