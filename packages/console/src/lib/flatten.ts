/** Flattens a nested event into sorted dotted keys for the detail view. */

export interface FlatField {
  key: string;
  value: string;
}

function render(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

export function flattenEvent(obj: unknown, skip: ReadonlySet<string> = new Set()): FlatField[] {
  const out: FlatField[] = [];
  const walk = (v: unknown, prefix: string): void => {
    if (skip.has(prefix)) return;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length === 0 && prefix) out.push({ key: prefix, value: '{}' });
      for (const [k, child] of entries) walk(child, prefix ? `${prefix}.${k}` : k);
      return;
    }
    if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')) {
      out.push({ key: prefix, value: v.map(render).join(', ') });
      return;
    }
    out.push({ key: prefix, value: render(v) });
  };
  walk(obj, '');
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Reads a dotted path from a nested object; returns a display string or ''. */
export function fieldText(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'string' ? cur : JSON.stringify(cur);
}
