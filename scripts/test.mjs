#!/usr/bin/env node
// Runs the whole suite with node:test via tsx. Node 20's --test takes no globs, so files are
// collected here. `node scripts/test.mjs unit` runs only the unit tests beside the code;
// any other arguments are path filters (substring match).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const args = process.argv.slice(2);
const unitOnly = args[0] === 'unit';
const filters = unitOnly ? args.slice(1) : args;
let files = walk(join(root, 'packages'), []);
if (!unitOnly) files = files.concat(walk(join(root, 'test'), []));
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
files.sort();
if (!files.length) {
  console.error('no test files matched');
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=300000', ...files],
  { stdio: 'inherit', cwd: root },
);
process.exit(r.status ?? 1);
