/**
 * Rule text → compiled rules. A file holds one or more rules separated by `---`. Every
 * problem becomes a RuleError naming the source (file path or `db:<id>`) and the 1-based
 * line (YAML syntax errors from the parser's positions; semantic errors from the node at
 * the offending path, via yaml's LineCounter). A bad rule never stops the other rules.
 */
import { isNode, LineCounter, parseAllDocuments } from 'yaml';
import { compileRule } from './compile.ts';
import { RuleCompileError } from './errors.ts';
import type { CompiledRule, RuleError } from './types.ts';

export interface RuleSource {
  /** File path or `db:<id>`: named in errors and kept as the rule's origin. */
  name: string;
  text: string;
  /** Database rules carry their own enabled flag, which wins over the YAML's. */
  enabled?: boolean;
}

export interface LoadResult {
  rules: CompiledRule[];
  errors: RuleError[];
}

export const MAX_RULE_TEXT = 1024 * 1024;
const MAX_DOCS = 1000;

/** Compiles every rule document in one source. */
export function parseRules(src: RuleSource): LoadResult {
  const out: LoadResult = { rules: [], errors: [] };
  if (src.text.length > MAX_RULE_TEXT) {
    out.errors.push({ source: src.name, line: 1, message: `rule text larger than ${MAX_RULE_TEXT} bytes` });
    return out;
  }
  const lc = new LineCounter();
  const docs = parseAllDocuments(src.text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (!Array.isArray(docs)) {
    out.errors.push({ source: src.name, line: 1, message: 'not a YAML document stream' });
    return out;
  }
  const seen = new Set<string>();
  for (const doc of docs.slice(0, MAX_DOCS)) {
    const contents = doc.contents;
    const start = isNode(contents) && contents.range ? contents.range[0] : doc.range[0];
    const docLine = lc.linePos(start).line;
    if (doc.errors.length > 0) {
      for (const e of doc.errors.slice(0, 5)) {
        const pos = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
        out.errors.push({
          source: src.name,
          line: pos.line,
          column: pos.col,
          message: e.message.split('\n')[0] as string,
        });
      }
      continue;
    }
    if (contents === null || contents === undefined) continue; // empty document (e.g. a trailing ---)
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      out.errors.push({ source: src.name, line: docLine, message: (err as Error).message });
      continue;
    }
    const id = (value as { id?: unknown } | null)?.id;
    try {
      const rule = compileRule(
        value,
        { source: src.name, line: docLine },
        src.text.slice(doc.range[0], doc.range[2]).replace(/^---\s*\n/, ''),
      );
      if (src.enabled !== undefined) rule.enabled = src.enabled;
      if (seen.has(rule.id))
        throw new RuleCompileError(`duplicate rule id ${JSON.stringify(rule.id)} in this file`, ['id']);
      seen.add(rule.id);
      out.rules.push(rule);
    } catch (err) {
      const path = err instanceof RuleCompileError ? err.path : [];
      let line = docLine;
      let column: number | undefined;
      for (let n = path.length; n > 0; n--) {
        const node = doc.getIn(path.slice(0, n), true);
        if (isNode(node) && node.range) {
          const pos = lc.linePos(node.range[0]);
          line = pos.line;
          column = pos.col;
          break;
        }
      }
      const e: RuleError = { source: src.name, line, message: (err as Error).message };
      if (column !== undefined) e.column = column;
      if (typeof id === 'string') e.ruleId = id;
      out.errors.push(e);
    }
  }
  if (docs.length > MAX_DOCS)
    out.errors.push({
      source: src.name,
      line: 1,
      message: `more than ${MAX_DOCS} rules in one file; the rest were ignored`,
    });
  return out;
}

/**
 * Compiles several sources; a later source's rule replaces an earlier one with the same id
 * (built-ins, then the extra directory, then the database: the operator's copy wins).
 */
export function loadRuleSources(sources: RuleSource[]): LoadResult {
  const byId = new Map<string, CompiledRule>();
  const errors: RuleError[] = [];
  for (const s of sources) {
    const r = parseRules(s);
    errors.push(...r.errors);
    for (const rule of r.rules) {
      byId.delete(rule.id);
      byId.set(rule.id, rule);
    }
  }
  return { rules: [...byId.values()], errors };
}

/** "file:line: message" for logs and the CLI. */
export function formatRuleError(e: RuleError): string {
  return `${e.source}:${e.line}${e.column !== undefined ? `:${e.column}` : ''}: ${e.ruleId ? `rule ${e.ruleId}: ` : ''}${e.message}`;
}
