// The sensor's prebuilt bundle: `kyoka sensor` runs from packages/sensor/dist/kyoka-sensor.mjs on
// plain `node`, without tsx's loader (a second V8 isolate, ~38 MB) and without the other roles, so
// a honeypot node holds OpenCanary's memory. Plain JavaScript because it runs before any loader.
//
// The bundle lives in the sensor package so the packages it leaves external (ssh2, whose internals
// and optional native parts are required at run time, and the hash worker's bcryptjs/unixcrypt)
// resolve from the sensor's node_modules; the HTTP skins are read from the source tree. A manifest
// beside it records every bundled input's mtime and size (plus npm's lockfile in node_modules and
// this file): a source edit, `git checkout` or `npm install` makes the bundle stale and the next
// `kyoka sensor` rebuilds it (~1 s), so dev runs never execute stale code.
//
//   node packages/cli/bin/sensor-bundle.js --build    (npm's prepare step; also done on first run)
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SENSOR_DIR = join(ROOT, 'packages/sensor');
export const BUNDLE = join(SENSOR_DIR, 'dist/kyoka-sensor.mjs');
const MANIFEST = join(SENSOR_DIR, 'dist/kyoka-sensor.inputs.json');
const ENTRY = join(ROOT, 'packages/cli/src/sensor-main.ts');
const SELF = fileURLToPath(import.meta.url);
/** Left to node's resolver at run time (see above). */
const EXTERNAL = ['ssh2', 'bcryptjs', 'unixcrypt'];
/** Inputs that are not in esbuild's metafile but change what the bundle should be. */
const EXTRA_INPUTS = [SELF, join(ROOT, 'node_modules/.package-lock.json')];

/**
 * An ESM bundle hoists every `import ... from 'node:x'` to its top, so node:tls, node:http,
 * node:dgram, node:child_process, node:worker_threads... would all load at start even when only
 * a service that is not enabled uses them. Routed through a CommonJS stand-in instead, a built-in
 * loads when the first module that imports it is initialised (services load on demand).
 */
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) =>
      args.namespace === 'lazy-builtin'
        ? { path: args.path, external: true }
        : { path: args.path, namespace: 'lazy-builtin' },
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

function fingerprint(file) {
  try {
    const st = statSync(file);
    return `${st.mtimeMs}:${st.size}`;
  } catch {
    return 'missing';
  }
}

/**
 * True when the bundle exists and no input changed since it was built (paths in the manifest are
 * relative to `root`; the parameters exist for tests).
 */
export function bundleFresh(bundle = BUNDLE, manifestPath = MANIFEST, root = ROOT) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    statSync(bundle);
  } catch {
    return false;
  }
  if (manifest.node !== process.version || typeof manifest.inputs !== 'object' || manifest.inputs === null)
    return false;
  for (const [rel, fp] of Object.entries(manifest.inputs)) {
    if (fingerprint(resolve(root, rel)) !== fp) return false;
  }
  return true;
}

/** The manifest's text for `files` as they are now (`root`-relative paths; exported for tests). */
export function manifestText(files, root = ROOT) {
  const inputs = {};
  for (const file of files) inputs[relative(root, file)] = fingerprint(file);
  return `${JSON.stringify({ node: process.version, inputs }, null, 1)}\n`;
}

/** Builds the bundle in this process (esbuild's JS API); each file is replaced atomically. */
export async function buildBundle() {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    absWorkingDir: ROOT,
    outfile: BUNDLE,
    write: false, // written below under temporary names, then renamed: readers never see half a file
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    external: EXTERNAL,
    plugins: [lazyBuiltins],
    // CommonJS dependencies bundled into ESM call require() for node built-ins
    banner: {
      js: "import { createRequire as __kyokaRequire } from 'node:module'; const require = __kyokaRequire(import.meta.url);",
    },
    define: { __KYOKA_SKINS_DIR__: JSON.stringify('../src/services/http/skins/') },
    // V8 keeps a script's source in memory: minified whitespace and syntax (not names, which stack
    // traces need) and pure ASCII (one non-ASCII byte makes the whole source two bytes per char)
    // hold 1.4 MB instead of 4 MB
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    charset: 'ascii',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = [...Object.keys(result.metafile.inputs).map((f) => resolve(ROOT, f)), ...EXTRA_INPUTS];
  const files = [...result.outputFiles.map((f) => [f.path, f.contents]), [MANIFEST, manifestText(inputs)]];
  mkdirSync(dirname(BUNDLE), { recursive: true });
  for (const [path, data] of files) writeFileSync(`${path}.${process.pid}.tmp`, data);
  // the manifest last: until it is renamed, a reader sees the old manifest and rebuilds
  for (const [path] of files) renameSync(`${path}.${process.pid}.tmp`, path);
}

/**
 * The bundle's path, rebuilt first (in a child process, so esbuild's module and service process
 * never live in the sensor) when it is missing or stale; null when it cannot be built (no
 * esbuild, read-only install): the caller then runs the sensor from source.
 */
export function ensureBundle() {
  if (bundleFresh()) return BUNDLE;
  const r = spawnSync(process.execPath, [SELF, '--build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status === 0 && bundleFresh()) return BUNDLE;
  const why = `${r.stderr ?? ''}`.trim().split('\n').slice(-3).join(' / ') || `exit ${r.status}`;
  process.stderr.write(`kyoka: running the sensor from source (its bundle could not be built: ${why})\n`);
  return null;
}

if (process.argv[1] && resolve(process.argv[1]) === SELF && process.argv[2] === '--build') {
  try {
    await buildBundle();
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
