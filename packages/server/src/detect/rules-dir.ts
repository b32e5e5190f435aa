/**
 * Rules from directories (the built-in pack at <repo>/rules plus an operator's directory)
 * and the database, with hot reload: fs.watch on the directories (debounced) and an explicit
 * `reload()` for database edits. Each reload compiles everything and hands the engine the
 * new set in one call (Engine.reload swaps atomically); errors are reported, never fatal.
 */
import { type FSWatcher, readdirSync, readFileSync, statSync, watch } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine } from './engine.ts';
import { type LoadResult, loadRuleSources, MAX_RULE_TEXT, type RuleSource } from './load.ts';
import type { RuleRepo } from './repo.ts';
import type { RuleError } from './types.ts';

/** The built-in rule pack shipped with Kyoka. */
export const BUILTIN_RULES_DIR = fileURLToPath(new URL('../../../../rules/', import.meta.url));

const RULE_FILE_RE = /\.ya?ml$/i;
const MAX_FILES = 2000;

/** Every *.yml / *.yaml under `dir` (recursively, sorted) as sources; unreadable files become errors. */
export function readRulesDir(dir: string): { sources: RuleSource[]; errors: RuleError[] } {
  const sources: RuleSource[] = [];
  const errors: RuleError[] = [];
  const walk = (d: string, depth: number): void => {
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch (err) {
      errors.push({ source: d, line: 0, message: `cannot read rules directory: ${(err as Error).message}` });
      return;
    }
    for (const n of names) {
      if (n.startsWith('.') || sources.length >= MAX_FILES) continue;
      const p = join(d, n);
      try {
        const st = statSync(p);
        if (st.isDirectory()) {
          if (depth < 8) walk(p, depth + 1);
        } else if (st.isFile() && RULE_FILE_RE.test(n)) {
          if (st.size > MAX_RULE_TEXT) errors.push({ source: p, line: 1, message: 'file too large' });
          else sources.push({ name: p, text: readFileSync(p, 'utf8') });
        }
      } catch (err) {
        errors.push({ source: p, line: 0, message: (err as Error).message });
      }
    }
  };
  walk(dir, 0);
  return { sources, errors };
}

export interface RuleManagerOptions {
  /** Directories in override order (later wins on equal ids); default [BUILTIN_RULES_DIR]. */
  dirs?: string[];
  repo?: RuleRepo;
  engine?: Engine;
  /** Called after every load with the full result (log errors, refresh the console). */
  onLoad?: (r: LoadResult) => void;
  debounceMs?: number;
}

export class RuleManager {
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<LoadResult> | undefined;
  private again = false;
  last: LoadResult = { rules: [], errors: [] };

  constructor(private readonly opts: RuleManagerOptions = {}) {}

  get dirs(): string[] {
    return this.opts.dirs ?? [BUILTIN_RULES_DIR];
  }

  /** Compiles all sources and swaps them into the engine. Concurrent calls coalesce. */
  reload(): Promise<LoadResult> {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      let r: LoadResult;
      do {
        this.again = false;
        r = await this.loadOnce();
      } while (this.again);
      return r;
    })().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async loadOnce(): Promise<LoadResult> {
    const sources: RuleSource[] = [];
    const errors: RuleError[] = [];
    for (const d of this.dirs) {
      const r = readRulesDir(d);
      sources.push(...r.sources);
      errors.push(...r.errors);
    }
    if (this.opts.repo) {
      try {
        sources.push(...(await this.opts.repo.sources()));
      } catch (err) {
        errors.push({ source: 'db', line: 0, message: `cannot read stored rules: ${(err as Error).message}` });
      }
    }
    const r = loadRuleSources(sources);
    const result = { rules: r.rules, errors: [...errors, ...r.errors] };
    this.opts.engine?.reload(result.rules);
    this.last = result;
    this.opts.onLoad?.(result);
    return result;
  }

  /** Watches the directories; a change reloads after `debounceMs` of quiet. */
  watch(): void {
    const debounce = this.opts.debounceMs ?? 250;
    const kick = () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.reload();
      }, debounce);
      this.timer.unref?.();
    };
    for (const d of this.dirs) {
      try {
        const w = watch(d, { recursive: true, persistent: false }, kick);
        w.on('error', () => {});
        this.watchers.push(w);
      } catch {
        // a missing directory is reported by reload(); nothing to watch
      }
    }
  }

  close(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    if (this.timer) clearTimeout(this.timer);
  }
}
