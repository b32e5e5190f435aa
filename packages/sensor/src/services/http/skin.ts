/**
 * HTTP honeypot skins: a skin is a folder holding `index.html` (the login page, whose
 * `<!--STARTERR-->...<!--ENDERR-->` block is shown only after a failed POST, as in OpenCanary)
 * and a `static/` tree. The whole static tree is read into memory once at start, so a request
 * path is only ever looked up in a Map: attacker input never reaches the filesystem, which
 * rules out traversal, symlink escapes and per-request disk I/O.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KyokaError } from '@kyoka/core';

export interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
  lastModified: string;
}

export interface Skin {
  name: string;
  /** Login page without the error block. */
  login: Buffer;
  /** Login page with the error block (reply to a POST). */
  failed: Buffer;
  /** URL path (`/css/login.css`) -> file. */
  files: Map<string, StaticFile>;
  /** URL paths of directories, without trailing slash (`/css`). */
  dirs: Set<string>;
}

// The sensor's bundle (dist/kyoka-sensor.mjs) sets this to the skins' path relative to itself:
// the assets stay in the package's source tree, not next to the bundle.
declare const __KYOKA_SKINS_DIR__: string | undefined;
const SKINS_DIR = fileURLToPath(
  new URL(typeof __KYOKA_SKINS_DIR__ === 'string' ? __KYOKA_SKINS_DIR__ : './skins/', import.meta.url),
);
const MAX_FILE = 4 * 1024 * 1024;
const MAX_TOTAL = 32 * 1024 * 1024;
const MAX_DEPTH = 8;

const TYPES: Record<string, string> = {
  html: 'text/html',
  htm: 'text/html',
  css: 'text/css',
  js: 'text/javascript',
  json: 'application/json',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  ico: 'image/vnd.microsoft.icon',
  woff: 'font/woff',
  woff2: 'font/woff2',
  txt: 'text/plain',
};

function contentType(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot >= 0 ? TYPES[name.slice(dot + 1).toLowerCase()] : undefined) ?? 'application/octet-stream';
}

function walk(dir: string, url: string, depth: number, skin: Skin, budget: { left: number }): void {
  if (depth > MAX_DEPTH) return;
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, ent.name);
    const u = `${url}/${ent.name}`;
    if (ent.isDirectory()) {
      skin.dirs.add(u);
      walk(p, u, depth + 1, skin, budget);
    } else if (ent.isFile()) {
      const st = statSync(p);
      if (st.size > MAX_FILE || st.size > budget.left) continue;
      budget.left -= st.size;
      // Apache's default ETag (FileETag MTime Size): "<size hex>-<mtime in microseconds, hex>"
      const usec = BigInt(Math.floor(st.mtimeMs)) * 1000n;
      skin.files.set(u, {
        body: readFileSync(p),
        type: contentType(ent.name),
        etag: `"${st.size.toString(16)}-${usec.toString(16)}"`,
        lastModified: st.mtime.toUTCString(),
      });
    }
    // symlinks and special files are ignored on purpose
  }
}

/** Loads skin `name` from the built-in skins, or from `skinDir` when the config names one. */
export function loadSkin(name: string, skinDir?: string): Skin {
  let dir = skinDir && isDir(skinDir) ? skinDir : '';
  if (!dir) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name) || !isDir(join(SKINS_DIR, name))) {
      throw new KyokaError('KYOKA_E_BAD_CONFIG', `http.skin: no such skin "${name}" (nasLogin, basicLogin)`);
    }
    dir = join(SKINS_DIR, name);
  }
  let text: string;
  try {
    text = readFileSync(join(dir, 'index.html'), 'utf8');
  } catch {
    throw new KyokaError('KYOKA_E_BAD_CONFIG', `http.skin: ${dir} has no index.html`);
  }
  const skin: Skin = {
    name,
    login: Buffer.from(text.replace(/<!--STARTERR-->[\s\S]*<!--ENDERR-->/, '')),
    failed: Buffer.from(text.replace(/<!--STARTERR-->|<!--ENDERR-->/g, '')),
    files: new Map(),
    dirs: new Set(),
  };
  const staticDir = join(dir, 'static');
  if (isDir(staticDir)) walk(staticDir, '', 0, skin, { left: MAX_TOTAL });
  return skin;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
