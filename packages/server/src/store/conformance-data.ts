/**
 * Fixture events and expected answers for the store conformance suite. Three past days
 * (sealed by maintenance) plus events from the last hour (the current hour's partition stays hot).
 */
import type { KyokaEvent } from '@kyoka/core';
import type { QueryNode } from '@kyoka/core/query/ast';
export const DAY_MS = 86_400_000;
export const D1 = Date.UTC(2024, 2, 1);
export const D2 = D1 + DAY_MS;
export const D3 = D2 + DAY_MS;
const H = 3_600_000;
export const NOW = Math.floor(Date.now() / 1000) * 1000;

function ev(id: string, ts: number, rest: Record<string, unknown>): KyokaEvent {
  const { event, ...others } = rest as { event?: Record<string, unknown> };
  return { id, '@timestamp': new Date(ts).toISOString(), event: { kind: 'event', ...event }, ...others };
}

export const NAMED: KyokaEvent[] = [
  ev('ev01', D1 + 10 * H, {
    event: {
      action: 'ssh.login',
      dataset: 'opencanary',
      outcome: 'failure',
      severity: 3,
      category: ['authentication', 'network'],
    },
    source: { ip: '10.0.0.1', port: 40001 },
    destination: { ip: '192.168.1.10', port: 22 },
    user: { name: 'root' },
    message: 'SSH login attempt from scanner',
    kyoka: { credentials: { username: 'root', password: 'hunter2' } },
  }),
  ev('ev02', D1 + 11 * H, {
    event: { action: 'ssh.login', dataset: 'opencanary', severity: 5, category: ['authentication'] },
    source: { ip: '10.0.0.2' },
    destination: { port: 22 },
    user: { name: 'admin' },
    message: 'Login FAILED for admin',
    tags: ['brute-force'],
  }),
  ev('ev03', D1 + 12 * H, {
    event: { action: 'http.request', dataset: 'waf' },
    source: { ip: '2001:db8::1' },
    destination: { ip: '2001:db8::ffff', port: 443 },
    user: { name: 'a%b_c' },
    url: { path: '/index.php?id=1%20OR%201=1' },
    http: { response: { status_code: 404 } },
    observer: { ip: '10.9.9.9' },
    message: 'GET /admin_panel 100% done',
  }),
  ev('ev04', D2 + 9 * H, {
    event: { action: 'http.request', dataset: 'waf' },
    source: { ip: '172.16.5.4' },
    user: { name: 'axbyc' },
    http: { response: { status_code: 200 } },
    host: { ip: ['10.1.1.1', 'fe80::1'] },
    message: 'O\'Reilly "quoted" text',
  }),
  ev('ev05', D2 + 10 * H, {
    event: { action: 'portscan', dataset: 'opencanary', category: ['network'] },
    source: { ip: '10.0.1.5' },
    destination: { port: 3389 },
    kyoka: { opencanary: { logtype: 5001 } },
    message: 'port scan detected',
  }),
  ev('ev06', D3 + 8 * H, {
    event: { action: 'ssh.login', severity: 7, ingested: '2024-03-03T08:00:05.000Z' },
    source: { ip: '::ffff:10.0.0.3' },
    user: { name: 'root' },
    message: 'multi\nline message',
  }),
  ev('ev07', D3 + 9.5 * H, {
    event: { action: "x'; DROP TABLE users; --" },
    source: { ip: '192.168.1.200' },
    file: { path: 'C:\\Windows\\system32' },
    message: 'Robert"); DROP TABLE events;--',
  }),
  ev('ev08', NOW - H, {
    event: { action: 'ssh.login', category: ['authentication'] },
    source: { ip: '10.0.0.1' },
    user: { name: 'root' },
    message: 'ünïcödé straße ok',
  }),
  ev('ev09', NOW - H / 2, {
    event: { action: 'dns.query' },
    source: { ip: '8.8.8.8' },
    message: 'lookup example.com for admin@example.org',
  }),
  ev('ev10', NOW - H / 6, {
    event: { action: 'http.request', dataset: 'waf' },
    source: { ip: '2001:db8:1::5' },
    http: { response: { status_code: 500 } },
    message: 'server error ab at https://shop.example.net/cart?id=7',
  }),
];

/** 24 'noise' events, 8 per past day; pairs share a timestamp (cursor tie-breaking by id). */
export const NOISE: KyokaEvent[] = Array.from({ length: 24 }, (_, k) =>
  ev(`n${String(k).padStart(2, '0')}`, D1 + (k % 3) * DAY_MS + 13 * H + Math.floor(k / 6) * 600_000, {
    event: { action: 'noise', dataset: 'test' },
    source: { ip: `198.51.100.${k + 1}`, port: 1000 + k },
  }),
);

export const ALL_EVENTS = [...NAMED, ...NOISE];
export const ALL_IDS = ALL_EVENTS.map((e) => e.id);
export const NOISE_IDS = NOISE.map((e) => e.id);
export const WINDOW = { from: D1, to: NOW + DAY_MS };

// ---- AST helpers ----
export const all: QueryNode = { type: 'all' };
export const term = (field: string, value: string, phrase = false): QueryNode => ({
  type: 'term',
  field,
  value,
  phrase,
  wildcard: false,
});
export const wild = (field: string, value: string): QueryNode => ({
  type: 'term',
  field,
  value,
  phrase: false,
  wildcard: true,
});
export const range = (field: string, op: 'gt' | 'gte' | 'lt' | 'lte', value: string): QueryNode => ({
  type: 'range',
  field,
  op,
  value,
});
export const exists = (field: string): QueryNode => ({ type: 'exists', field });
export const text = (value: string, phrase = false, wildcard = false): QueryNode => ({
  type: 'text',
  value,
  phrase,
  wildcard,
});
export const and = (...children: QueryNode[]): QueryNode => ({ type: 'and', children });
export const or = (...children: QueryNode[]): QueryNode => ({ type: 'or', children });
export const not = (child: QueryNode): QueryNode => ({ type: 'not', child });

const except = (...ids: string[]) => ALL_IDS.filter((i) => !ids.includes(i));

/** Query battery: each runs over WINDOW and must return exactly these ids. */
export const CASES: Array<{ name: string; q: QueryNode; ids: string[] }> = [
  { name: 'all', q: all, ids: ALL_IDS },
  { name: 'keyword term', q: term('event.action', 'ssh.login'), ids: ['ev01', 'ev02', 'ev06', 'ev08'] },
  { name: 'keyword is case-sensitive', q: term('event.action', 'SSH.LOGIN'), ids: [] },
  { name: 'keyword wildcard', q: wild('event.action', 'http.*'), ids: ['ev03', 'ev04', 'ev10'] },
  { name: 'wildcard case-sensitive', q: wild('event.action', 'HTTP.*'), ids: [] },
  { name: 'literal % and _ exact', q: term('user.name', 'a%b_c'), ids: ['ev03'] },
  { name: 'literal % in wildcard', q: wild('user.name', 'a%b*'), ids: ['ev03'] },
  { name: '? matches one char', q: wild('user.name', 'a?b?c'), ids: ['ev03', 'ev04'] },
  { name: '_ is literal', q: term('user.name', 'a_b%c'), ids: [] },
  { name: 'text field contains, case-insensitive', q: term('message', 'LOGIN'), ids: ['ev01', 'ev02'] },
  { name: 'text field phrase', q: term('message', 'login attempt', true), ids: ['ev01'] },
  { name: 'text field literal %', q: term('message', '100%'), ids: ['ev03'] },
  { name: 'text field wildcard', q: wild('message', 'port*detected'), ids: ['ev05'] },
  { name: 'ip exact', q: term('source.ip', '10.0.0.1'), ids: ['ev01', 'ev08'] },
  { name: 'ip exact mapped form', q: term('source.ip', '10.0.0.3'), ids: ['ev06'] },
  { name: 'cidr v4 /24', q: term('source.ip', '10.0.0.0/24'), ids: ['ev01', 'ev02', 'ev06', 'ev08'] },
  { name: 'cidr v4 /16', q: term('source.ip', '10.0.0.0/16'), ids: ['ev01', 'ev02', 'ev05', 'ev06', 'ev08'] },
  { name: 'cidr v6 /32', q: term('source.ip', '2001:db8::/32'), ids: ['ev03', 'ev10'] },
  { name: 'cidr v6 /48', q: term('source.ip', '2001:db8::/48'), ids: ['ev03'] },
  { name: 'cidr mapped v6', q: term('source.ip', '::ffff:10.0.0.0/120'), ids: ['ev01', 'ev02', 'ev06', 'ev08'] },
  { name: 'ip wildcard on text', q: wild('source.ip', '10.0.*'), ids: ['ev01', 'ev02', 'ev05', 'ev08'] },
  { name: 'dst ip v6', q: term('destination.ip', '2001:db8:0:0::ffff'), ids: ['ev03'] },
  {
    name: 'ip range',
    q: and(range('source.ip', 'gte', '172.16.0.0'), range('source.ip', 'lte', '192.168.255.255')),
    ids: ['ev04', 'ev07'],
  },
  { name: 'long range gte', q: range('event.severity', 'gte', '5'), ids: ['ev02', 'ev06'] },
  {
    name: 'long [3 TO 5]',
    q: and(range('event.severity', 'gte', '3'), range('event.severity', 'lte', '5')),
    ids: ['ev01', 'ev02'],
  },
  { name: 'long fractional bound', q: range('event.severity', 'gt', '4.5'), ids: ['ev02', 'ev06'] },
  { name: 'long term', q: term('destination.port', '22'), ids: ['ev01', 'ev02'] },
  { name: 'port lt', q: range('destination.port', 'lt', '100'), ids: ['ev01', 'ev02'] },
  { name: 'non-hot long range', q: range('http.response.status_code', 'gte', '400'), ids: ['ev03', 'ev10'] },
  { name: 'non-hot long term', q: term('http.response.status_code', '200'), ids: ['ev04'] },
  {
    name: 'date range ISO',
    q: and(range('@timestamp', 'gte', '2024-03-02T00:00:00Z'), range('@timestamp', 'lt', '2024-03-03T00:00:00.000Z')),
    ids: ['ev04', 'ev05', ...NOISE_IDS.filter((_, k) => k % 3 === 1)],
  },
  {
    name: 'date range epoch ms',
    q: and(
      range('@timestamp', 'gte', String(D2 + 9 * 3_600_000)),
      range('@timestamp', 'lte', String(D2 + 10 * 3_600_000)),
    ),
    ids: ['ev04', 'ev05'],
  },
  { name: 'date term', q: term('@timestamp', new Date(D1 + 10 * 3_600_000).toISOString()), ids: ['ev01'] },
  { name: 'keyword range lexical', q: range('user.name', 'gte', 'b'), ids: ['ev01', 'ev06', 'ev08'] },
  { name: 'non-hot date range', q: range('event.ingested', 'gte', '2024-03-03T08:00:00Z'), ids: ['ev06'] },
  { name: 'exists hot', q: exists('user.name'), ids: ['ev01', 'ev02', 'ev03', 'ev04', 'ev06', 'ev08'] },
  { name: 'exists non-hot', q: exists('tags'), ids: ['ev02'] },
  { name: 'exists nested', q: exists('kyoka.opencanary.logtype'), ids: ['ev05'] },
  { name: 'not keyword', q: not(term('event.action', 'ssh.login')), ids: except('ev01', 'ev02', 'ev06', 'ev08') },
  { name: 'not on missing field', q: not(term('user.name', 'root')), ids: except('ev01', 'ev06', 'ev08') },
  { name: 'not non-hot', q: not(term('event.category', 'network')), ids: except('ev01', 'ev05') },
  { name: 'not free text', q: not(text('noise')), ids: NAMED.map((e) => e.id) },
  {
    name: 'nested boolean',
    q: and(
      or(term('event.action', 'ssh.login'), term('event.action', 'portscan')),
      not(term('source.ip', '10.0.0.0/24')),
    ),
    ids: ['ev05'],
  },
  {
    name: 'or of ranges',
    q: or(range('event.severity', 'gt', '6'), term('destination.port', '3389')),
    ids: ['ev05', 'ev06'],
  },
  { name: 'array element', q: term('event.category', 'authentication'), ids: ['ev01', 'ev02', 'ev08'] },
  { name: 'array element 2', q: term('event.category', 'network'), ids: ['ev01', 'ev05'] },
  { name: 'array wildcard', q: wild('event.category', 'auth*'), ids: ['ev01', 'ev02', 'ev08'] },
  { name: 'non-hot exact with %', q: term('url.path', '/index.php?id=1%20OR%201=1'), ids: ['ev03'] },
  { name: 'non-hot nested', q: term('kyoka.credentials.password', 'hunter2'), ids: ['ev01'] },
  { name: 'non-hot numeric term', q: term('kyoka.opencanary.logtype', '5001'), ids: ['ev05'] },
  { name: 'non-hot numeric range', q: range('kyoka.opencanary.logtype', 'gte', '5000'), ids: ['ev05'] },
  { name: 'non-hot ip cidr in array', q: term('host.ip', '10.1.0.0/16'), ids: ['ev04'] },
  { name: 'non-hot ip v6 cidr in array', q: term('host.ip', 'fe80::/10'), ids: ['ev04'] },
  { name: 'non-hot ip exact', q: term('observer.ip', '10.9.9.9'), ids: ['ev03'] },
  { name: 'non-hot object is not a value', q: term('kyoka.credentials', 'root'), ids: [] },
  { name: 'free text nested value', q: text('hunter2'), ids: ['ev01'] },
  { name: 'free text case-insensitive', q: text('SCANNER'), ids: ['ev01'] },
  { name: 'free text phrase', q: text('login attempt', true), ids: ['ev01'] },
  { name: 'free text two words', q: text('failed admin'), ids: ['ev02'] },
  { name: 'phrase does not cross values', q: text('root hunter2', true), ids: [] },
  { name: 'free text ignores keys', q: text('credentials'), ids: [] },
  { name: 'free text quotes', q: text('"quoted"'), ids: ['ev04'] },
  { name: 'free text apostrophe', q: text("O'Reilly"), ids: ['ev04'] },
  { name: 'free text backslash', q: text('windows\\system32'), ids: ['ev07'] },
  { name: 'free text non-ASCII', q: text('straße'), ids: ['ev08'] },
  { name: 'free text skips numbers', q: text('3389'), ids: [] },
  { name: 'free text skips @timestamp', q: text('2024-03-01T10'), ids: [] },
  { name: 'free text id', q: text('ev05'), ids: ['ev05'] },
  { name: 'free text ip', q: text('10.9.9.9'), ids: ['ev03'] },
  { name: 'free text wildcard', q: text('hun*2', false, true), ids: ['ev01'] },
  { name: 'free text wildcard needs the whole pattern', q: text('scan*xyz', false, true), ids: [] },
  { name: 'free text wildcard ?', q: text('p?rt', false, true), ids: ['ev05'] },
  { name: 'free text ? is one character of one token', q: text('port?scan', false, true), ids: [] },
  { name: 'free text short term', q: text('ab'), ids: ['ev10'] },
  { name: 'free text whole token, not substring', q: text('ssh'), ids: ['ev01'] },
  { name: 'free text word in two events', q: text('LOGIN'), ids: ['ev01', 'ev02'] },
  { name: 'free text dotted value is one token', q: text('ssh.login'), ids: ['ev01', 'ev02', 'ev06', 'ev08'] },
  { name: 'free text accents folded', q: text('UNICODE'), ids: ['ev08'] },
  { name: 'free text accents folded in query', q: text('ünïcödé'), ids: ['ev08'] },
  { name: 'free text phrase non-ASCII', q: text('sTrAßE ok', true), ids: ['ev08'] },
  { name: 'free text only separators', q: text('"'), ids: [] },
  { name: 'free text many events', q: text('noise'), ids: NOISE.map((e) => e.id) },
  { name: 'free text ip is one token', q: text('198.51.100.1'), ids: ['n00'] },
  { name: 'free text ip in two events', q: text('10.0.0.1'), ids: ['ev01', 'ev08'] },
  { name: 'free text ipv6', q: text('2001:db8::ffff'), ids: ['ev03'] },
  { name: 'free text path', q: text('/index.php'), ids: ['ev03'] },
  { name: 'free text path segment', q: text('admin_panel'), ids: ['ev03'] },
  { name: 'free text e-mail', q: text('admin@example.org'), ids: ['ev09'] },
  { name: 'free text e-mail domain', q: text('example.org'), ids: ['ev09'] },
  { name: 'free text url', q: text('https://shop.example.net/cart'), ids: ['ev10'] },
  { name: 'free text host in url', q: text('shop.example.net'), ids: ['ev10'] },
  { name: 'free text prefix', q: text('hunt*', false, true), ids: ['ev01'] },
  { name: 'free text prefix of a path', q: text('/index.p*', false, true), ids: ['ev03'] },
  { name: 'free text phrase prefix', q: text('login att*', true, true), ids: ['ev01'] },
  { name: 'free text prefix is not infix', q: text('unter*', false, true), ids: [] },
  { name: 'free text percent', q: text('100%'), ids: ['ev03'] },
  { name: 'free text underscore', q: text('admin_panel'), ids: ['ev03'] },
  { name: 'injection in value', q: term('event.action', "x'; DROP TABLE users; --"), ids: ['ev07'] },
  { name: 'injection in text value', q: term('message', "' OR 1=1 --"), ids: [] },
  { name: 'injection in non-hot value', q: term('kyoka.x', "') OR 1=1 --"), ids: [] },
  { name: 'injection in free text', q: text("') OR 1=1; --"), ids: [] },
];

/** Queries that must be rejected with KYOKA_E_BAD_QUERY. */
export const BAD: Array<{ name: string; q: QueryNode }> = [
  { name: 'quote in field', q: term("action' OR '1'='1", 'x') },
  { name: 'sql in field', q: term('user.name"); DROP TABLE users;--', 'x') },
  { name: 'exists bad field', q: exists('x;DELETE FROM users') },
  { name: 'json path injection', q: term('$.a', 'x') },
  { name: 'empty segment', q: term('a..b', 'x') },
  { name: 'not an ip', q: term('source.ip', "1' OR '1'='1") },
  { name: 'bad cidr', q: term('source.ip', '10.0.0.0/33') },
  { name: 'not a number', q: range('event.severity', 'gt', 'abc') },
  { name: 'not a date', q: range('@timestamp', 'gt', 'yesterday-ish') },
];
