#!/usr/bin/env node
// Kyoka runs its TypeScript sources directly through tsx: no build step, no stale output.
// `kyoka sensor` is the exception: a honeypot node runs a prebuilt bundle of the sensor on plain
// node (see sensor-bundle.js: rebuilt whenever a source changed), because tsx's loader and the
// other roles would double its memory. KYOKA_SENSOR_FROM_SOURCE=1 runs it through tsx instead.
if (process.argv[2] === 'sensor' && process.env.KYOKA_SENSOR_FROM_SOURCE !== '1') {
  const { ensureBundle } = await import('./sensor-bundle.js');
  const bundle = ensureBundle();
  if (bundle) {
    await import(bundle);
  } else {
    await runFromSource();
  }
} else {
  await runFromSource();
}

async function runFromSource() {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
