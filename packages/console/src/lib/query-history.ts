/** Last 20 distinct search queries, newest first, kept in localStorage. */
const KEY = 'kyoka.queryHistory';
const MAX = 20;

export function loadHistory(): string[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, MAX) : [];
  } catch {
    return [];
  }
}

export function pushHistory(q: string): string[] {
  const query = q.trim();
  if (!query) return loadHistory();
  const next = [query, ...loadHistory().filter((x) => x !== query)].slice(0, MAX);
  try {
    localStorage.setItem(KEY, JSON.stringify(next));
  } catch {
    // storage full or disabled: history is a convenience only
  }
  return next;
}

export function clearHistory(): void {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // ignore
  }
}
