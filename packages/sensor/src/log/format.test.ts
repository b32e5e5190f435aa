/**
 * OpenCanary's lines byte for byte. Expected strings are written by hand from Python's rules
 * (json.dumps(sort_keys=True), ensure_ascii: lowercase \uXXXX, surrogate pairs, short escapes,
 * float repr), as opencanary/logger.py produces them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildRecord, formatLine, pyDumps, pyFloat, pyTime, recordJson } from './format.ts';

// 2024-03-05 07:08:09.012345 UTC, in microseconds
const T = Date.UTC(2024, 2, 5, 7, 8, 9) * 1000 + 12345;
const conn = { src_host: '198.51.100.7', src_port: 50123, dst_host: '10.0.0.5', dst_port: 21 };

test('an FTP login line with a non-ASCII user name, an emoji and a control character', () => {
  const rec = buildRecord(
    'opencanary-1',
    conn,
    2000,
    { USERNAME: 'josé', PASSWORD: 'p😀\u0001\u007f"\\/\n\t\r\b\f' },
    undefined,
    T,
  );
  rec.local_time_adjusted = '2024-03-05 08:08:09.012345'; // a UTC+1 host
  assert.equal(
    formatLine(rec),
    '{"dst_host": "10.0.0.5", "dst_port": 21, "local_time": "2024-03-05 07:08:09.012345", ' +
      '"local_time_adjusted": "2024-03-05 08:08:09.012345", "logdata": {"PASSWORD": ' +
      '"p\\ud83d\\ude00\\u0001\\u007f\\"\\\\/\\n\\t\\r\\b\\f", "USERNAME": "jos\\u00e9"}, "logtype": 2000, ' +
      '"node_id": "opencanary-1", "src_host": "198.51.100.7", "src_port": 50123, "utc_time": "2024-03-05 07:08:09.012345"}\n',
  );
});

test('defaults for a record without addresses, and the startup record', () => {
  const rec = buildRecord('opencanary-1', null, 1001, { msg: { logdata: 'Canary running!!!' } }, undefined, T);
  rec.local_time_adjusted = rec.utc_time;
  assert.equal(
    formatLine(rec),
    '{"dst_host": "", "dst_port": -1, "local_time": "2024-03-05 07:08:09.012345", "local_time_adjusted": ' +
      '"2024-03-05 07:08:09.012345", "logdata": {"msg": {"logdata": "Canary running!!!"}}, "logtype": 1001, ' +
      '"node_id": "opencanary-1", "src_host": "", "src_port": -1, "utc_time": "2024-03-05 07:08:09.012345"}\n',
  );
});

test('honeycred appears only when given, sorted between dst_port and local_time', () => {
  const rec = buildRecord('n', conn, 6001, { PASSWORD: 'admin1', USERNAME: 'admin' }, { honeycred: true }, T);
  const line = formatLine(rec);
  assert.ok(line.startsWith('{"dst_host": "10.0.0.5", "dst_port": 21, "honeycred": true, "local_time": '));
  assert.ok(!formatLine(buildRecord('n', conn, 6001, {}, undefined, T)).includes('honeycred'));
});

test('nested objects, lists, floats, null and booleans as Python writes them', () => {
  assert.equal(
    pyDumps({
      b: [1, 2.5, 0.1, -0.0001, 1e-5, 1.5e300, 1e16 + 0.5, 123456789.125],
      a: { z: null, y: true, x: {}, w: [] },
    }),
    '{"a": {"w": [], "x": {}, "y": true, "z": null}, "b": [1, 2.5, 0.1, -0.0001, 1e-05, 1.5e+300, 1e+16, 123456789.125]}',
  );
  assert.equal(pyFloat(0.5), '0.5');
  assert.equal(pyFloat(1234.5e10), '12345000000000.0');
  assert.equal(pyFloat(Number.NaN), 'NaN');
  assert.equal(pyDumps({ ü: 1, z: 2, A: 3 }), '{"A": 3, "z": 2, "\\u00fc": 1}');
});

test('timestamps: YYYY-MM-DD HH:MM:SS.ffffff, zero padded', () => {
  assert.equal(pyTime(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), true, 7), '2024-01-02 03:04:05.000007');
});

test('the envelope fast path writes exactly what the generic encoder writes', () => {
  const cases = [
    buildRecord('n', conn, 6001, { PASSWORD: 'admin1', USERNAME: 'admin' }, { honeycred: false }, T),
    buildRecord('nöde', null, 17001, { CMD: 'PING', ARGS: '' }, undefined, T),
    buildRecord('n', conn, 15001, { HEADERS: { '\u{1f600}': ['x'], '\uffff': ['y'], a: [] } }, undefined, T),
  ];
  for (const rec of cases) assert.equal(recordJson(rec), pyDumps(rec));
});

test('timestamps: the per-second prefix cache follows the clock, UTC and local apart', () => {
  const a = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 999));
  const b = new Date(Date.UTC(2024, 0, 2, 3, 4, 6, 0));
  assert.equal(pyTime(a, true, 999_000), '2024-01-02 03:04:05.999000');
  assert.equal(pyTime(b, true, 0), '2024-01-02 03:04:06.000000');
  assert.equal(pyTime(a, true, 999_999), '2024-01-02 03:04:05.999999');
  const local = (d: Date) =>
    `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')} ` +
    `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}:${String(d.getSeconds()).padStart(2, '0')}`;
  assert.equal(pyTime(b, false, 42), `${local(b)}.000042`);
  assert.equal(pyTime(a, false, 42), `${local(a)}.000042`);
});

test('the envelope encoding cache: repeated and escaped addresses, node id and logdata keys', () => {
  const odd = { src_host: '"quoted"\u00e9', src_port: 1, dst_host: '10.0.0.5', dst_port: 2 };
  const rec = buildRecord('n\u00e9', odd, 9999, { 'K\u00e9y': 'v', A: 1 }, undefined, T);
  const first = recordJson(rec);
  assert.ok(first.includes('"src_host": "\\"quoted\\"\\u00e9"'));
  assert.ok(first.includes('"node_id": "n\\u00e9"'));
  assert.ok(first.includes('"logdata": {"A": 1, "K\\u00e9y": "v"}'));
  assert.equal(recordJson(rec), first);
  assert.equal(recordJson(rec), pyDumps(rec));
});

test("logdata keys come out in Array.prototype.sort's order however many there are (small sets take a shortcut)", () => {
  const alphabet = ['A', 'a', 'B', 'b', '_', '0', '9', 'Z', 'z', '\u00e9', '\u0100', ' '];
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let round = 0; round < 300; round++) {
    const o: Record<string, number> = {};
    const n = 1 + rnd(12);
    for (let i = 0; i < n; i++) {
      let k = '';
      for (let len = 1 + rnd(4); len > 0; len--) k += alphabet[rnd(alphabet.length)];
      o[k] = i;
    }
    const want = `{${Object.keys(o)
      .sort()
      .map((k) => `${pyDumps(k)}: ${o[k]}`)
      .join(', ')}}`;
    assert.equal(pyDumps(o), want, JSON.stringify(o));
  }
});

test('timestamps straight from a microsecond clock: UTC and local time of that instant', () => {
  const two = (n: number) => String(n).padStart(2, '0');
  const fmt = (d: Date, utc: boolean) =>
    utc
      ? `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`
      : `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  for (const us of [1_704_164_645_000_007, 1_704_164_645_999_999, 1_704_164_646_000_000, 1_719_792_000_123_456]) {
    const rec = buildRecord('n', null, 1001, {}, undefined, us);
    const d = new Date(Math.floor(us / 1000));
    const frac = String(us % 1_000_000).padStart(6, '0');
    assert.equal(rec.utc_time, `${fmt(d, true)}.${frac}`);
    assert.equal(rec.local_time, rec.utc_time);
    assert.equal(rec.local_time_adjusted, `${fmt(d, false)}.${frac}`);
  }
});
