/**
 * Entry of the sensor's prebuilt bundle (packages/sensor/dist/kyoka-sensor.mjs, built by
 * scripts/build-sensor.mjs): `kyoka sensor` with exactly the program shell of main.ts but nothing
 * else, so a honeypot node runs on plain `node` without tsx's loader (~38 MB) or the other roles.
 */
import { kyokaProgram, runProgram } from './program.ts';
import { sensorCommand } from './sensor.ts';

await runProgram(kyokaProgram().addCommand(sensorCommand()));
