/**
 * The sensor's prebuilt bundle (bin/sensor-bundle.js): the freshness check that keeps dev runs
 * from executing stale code, and the bundle itself running `kyoka sensor` on plain node (no tsx,
 * no server modules, skins found in the source tree, ssh2 without its unused wasm).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
// @ts-expect-error plain JavaScript module without declarations
import { BUNDLE, bundleFresh, ensureBundle, manifestText } from '../bin/sensor-bundle.js';

test('sensor bundle: fresh until an input changes (mtime or size) or disappears', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kyoka-bundle-'));
  try {
    const bundle = join(dir, 'b.mjs');
    const manifest = join(dir, 'b.json');
    const a = join(dir, 'a.ts');
    const b = join(dir, 'b.ts');
    writeFileSync(a, 'export const a = 1;\n');
    writeFileSync(b, 'export const b = 2;\n');
    assert.equal(bundleFresh(bundle, manifest, dir), false, 'no bundle, no manifest');
    writeFileSync(bundle, '// bundle\n');
    writeFileSync(manifest, manifestText([a, b], dir));
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(manifest, 'utf8')).inputs), ['a.ts', 'b.ts']);
    assert.equal(bundleFresh(bundle, manifest, dir), true);

    utimesSync(a, new Date(), new Date(Date.now() + 5000));
    assert.equal(bundleFresh(bundle, manifest, dir), false, 'mtime changed');
    writeFileSync(manifest, manifestText([a, b], dir));
    assert.equal(bundleFresh(bundle, manifest, dir), true);

    const t = new Date(Date.now() + 9000);
    writeFileSync(b, 'export const b = 22;\n');
    utimesSync(b, t, t);
    writeFileSync(manifest, manifestText([a, b], dir));
    writeFileSync(b, 'export const b = 222;\n'); // same mtime below, other size
    utimesSync(b, t, t);
    assert.equal(bundleFresh(bundle, manifest, dir), false, 'size changed');

    writeFileSync(manifest, manifestText([a, b], dir));
    rmSync(a);
    assert.equal(bundleFresh(bundle, manifest, dir), false, 'input removed');

    writeFileSync(manifest, JSON.stringify({ node: 'v0.0.0', inputs: {} }));
    assert.equal(bundleFresh(bundle, manifest, dir), false, 'another node version');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sensor bundle: builds, and runs `kyoka sensor` on plain node without tsx or the server', () => {
  assert.equal(ensureBundle(), BUNDLE);
  assert.equal(bundleFresh(), true);
  const text = readFileSync(BUNDLE, 'utf8');
  assert.ok(!/packages\/server\//.test(text), 'no server module in the bundle');
  assert.ok(!/tsx\/esm|node_modules\/tsx\//.test(text), 'no tsx in the bundle');
  // pure ASCII: V8 then keeps the source one byte per character
  assert.ok(!/\P{ASCII}/u.test(text));
  const inputs = Object.keys(JSON.parse(readFileSync(BUNDLE.replace(/\.mjs$/, '.inputs.json'), 'utf8')).inputs);
  assert.ok(inputs.includes('packages/cli/src/sensor-main.ts'));
  assert.ok(inputs.includes('packages/sensor/src/services/http/skin.ts'));
  assert.ok(!inputs.some((f) => f.startsWith('packages/server/')));

  // the sensor's commander program: same help as `kyoka sensor --help` through tsx
  const help = spawnSync(process.execPath, [BUNDLE, 'sensor', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^Usage: kyoka sensor \[options\]/);
  assert.match(help.stdout, /--copyconfig/);
  const version = spawnSync(process.execPath, [BUNDLE, '--version'], { encoding: 'utf8' });
  assert.equal(version.stdout.trim(), '0.1.0');
});
