/** Signature engine: each signature detects its payloads; real sqlmap and Nikto traffic is caught. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createSignatureEngine } from './engine.ts';
import { NIKTO_PAYLOAD_REQUESTS, NIKTO_POST_BODY, NIKTO_SHELLSHOCK, NIKTO_USER_AGENTS } from './fixtures/nikto.ts';
import { SIGNATURES } from './rules.ts';

const engine = createSignatureEngine();
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';

function ids(url: string, headers: Record<string, string> = {}, body?: string): string[] {
  const h = { 'user-agent': BROWSER, ...headers };
  return engine.inspect({ url, headers: h, body: body === undefined ? undefined : Buffer.from(body) }).map((x) => x.id);
}

const q = (v: string) => `/item?id=${encodeURIComponent(v)}`;

/** At least one payload per signature id; every one must raise that id. */
const CASES: Record<string, string[]> = {
  'sqli-union-select': [
    q('1 UNION SELECT username,password FROM users'),
    q('1/**/UnIoN/**/ALL/**/SeLeCt/**/1,2'),
    q('1 /*!50000union*/ select 1'),
  ],
  'sqli-boolean-numeric': [q('1 AND 1=1'), q('1 or 2>1'), q('1) AND 7315=7315 AND (2398=2398')],
  'sqli-boolean-string': [q("' OR '1'='1"), q("x' or 'a'='a"), q("1') AND ('rbNf'='rbNf")],
  'sqli-quote-terminator': [q("admin'--"), q("admin' #"), q("' or 1--"), q("x' or true")],
  'sqli-time-blind': [
    q('1 AND SLEEP(5)'),
    q("1; WAITFOR DELAY '0:0:5'--"),
    q('1 and pg_sleep (5)'),
    q('benchmark(1000000,md5(1))'),
  ],
  'sqli-stacked': [
    q('1; DROP TABLE users'),
    q("1'; exec master..xp_cmdshell 'dir'--"),
    q('1;SELECT PG_SLEEP(5) from x'),
  ],
  'sqli-functions': [
    q('1 and extractvalue(1,concat(0x7e,version()))'),
    q('1 and updatexml(1,1,1)'),
    q('select * from information_schema.tables'),
  ],
  'sqli-subquery': [q('(SELECT (CASE WHEN (1=1) THEN 1 ELSE 0 END))'), q('1 and (select 1 from dual)')],
  'sqli-order-by-probe': [q('1 ORDER BY 10-- x'), q("1' order by 3#")],
  'sqli-syntax-probe': [q('1"\'.((()),(')],
  'xss-script-tag': [q('<script>alert(1)</script>'), q('&lt;script&gt;x'), q('< ScRiPt src=//evil>')],
  'xss-event-handler': [q('<img src=x onerror=alert(1)>'), q('<svg/onload=alert(1)>'), q('" onmouseover="alert(1)')],
  'xss-js-uri': [
    q('javascript:alert(1)'),
    q('java\tscript:alert(1)'),
    q('&#106;avascript:alert(1)'),
    q('data:text/html,<b>x'),
  ],
  'xss-dangerous-tag': [q('<iframe src=//evil>'), q('<svg><animate>'), q('<object data=x>')],
  'xss-js-sink': [q('alert(document.domain)'), q('String.fromCharCode(88,83,83)'), q('prompt`1`')],
  'xss-tag-breakout': [q('"><b>'), q("1'iKwrsM<'\">XrrUUg")],
  'lfi-dot-dot': [
    '/static/../../etc/x',
    q('../../../../etc/shadow'),
    q('..%2f..%2fboot'),
    '/a/%252e%252e%252fsecret',
    q('..\\..\\windows'),
  ],
  'lfi-overlong-encoding': ['/%c0%ae%c0%ae/%c0%ae%c0%ae/x', '/x?f=%u002e%u002e%u2215y'],
  'lfi-sensitive-file': [q('/etc/passwd'), q('/proc/self/environ'), q('c:\\boot.ini')],
  'lfi-stream-wrapper': [
    q('php://filter/convert.base64-encode/resource=index'),
    q('expect://id'),
    q('file:///etc/hosts'),
  ],
  'lfi-null-byte': ['/x.php?f=a.txt%00.jpg'],
  'cmdi-separator-command': [
    q(';id'),
    q('| cat /etc/passwd'),
    q('1 && whoami'),
    q('x; uname -a'),
    q('127.0.0.1; ping -c 3 10.0.0.1'),
  ],
  'cmdi-substitution': [q('$(id)'), q('`whoami`'), q('x$(cat /etc/passwd)')],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: literal shell payload
  'cmdi-ifs': [q('cat${IFS}/etc/passwd')],
  'cmdi-shellshock': [q('() { :; }; /bin/bash -c id')],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: literal JNDI payloads
  'cmdi-jndi': [q('${jndi:ldap://x/a}'), q('${${lower:j}ndi:${lower:l}dap://x/a}')],
};

describe('signatures', () => {
  it('every signature has an id, a category and at least one test payload', () => {
    const seen = new Set<string>();
    for (const s of SIGNATURES) {
      assert.ok(/^[a-z]+-[a-z0-9-]+$/.test(s.id), s.id);
      assert.ok(!seen.has(s.id), `duplicate ${s.id}`);
      seen.add(s.id);
      if (s.category !== 'scanner') assert.ok(CASES[s.id]?.length, `no payloads for ${s.id}`);
    }
  });
  for (const [id, payloads] of Object.entries(CASES)) {
    it(`${id} fires on its payloads`, () => {
      for (const p of payloads) assert.ok(ids(p).includes(id), `${id} missed ${p}: got ${ids(p).join(',')}`);
    });
  }
  it('scanner user agents', () => {
    const uas = [
      ...NIKTO_USER_AGENTS,
      'sqlmap/1.7.2#stable (https://sqlmap.org)',
      'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)',
      'masscan/1.3 (https://github.com/robertdavidgraham/masscan)',
      'Mozilla/5.0 zgrab/0.x',
      'Nuclei - Open-source project (github.com/projectdiscovery/nuclei)',
      'DirBuster-1.0-RC1 (http://www.owasp.org/index.php/Category:OWASP_DirBuster_Project)',
      'gobuster/3.5.0',
      'WPScan v3.8.22 (https://wpscan.com/wordpress-security-scanner)',
      'Mozilla/4.0 (Hydra)',
    ];
    for (const ua of uas) assert.deepEqual(ids('/', { 'user-agent': ua }), ['scanner-user-agent'], ua);
  });
  it('inspects cookies, referer, urlencoded and JSON bodies, and parameter names', () => {
    assert.ok(
      ids('/', { cookie: `sid=abc; pref=${encodeURIComponent("' OR '1'='1")}` }).includes('sqli-boolean-string'),
    );
    assert.ok(ids('/', { referer: 'http://x/?q=<script>alert(1)</script>' }).includes('xss-script-tag'));
    assert.ok(ids('/', { 'user-agent': NIKTO_SHELLSHOCK }).includes('cmdi-shellshock'));
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    assert.ok(ids('/login', form, 'user=admin%27--&pass=x').includes('sqli-quote-terminator'));
    assert.ok(ids('/cgi-bin/lastlines.cgi?process', form, NIKTO_POST_BODY).includes('lfi-dot-dot'));
    const json = { 'content-type': 'application/json' };
    assert.ok(ids('/api', json, JSON.stringify({ a: { b: ['1 UNION SELECT 1'] } })).includes('sqli-union-select'));
    assert.ok(ids('/x?<script>=1').includes('xss-script-tag'));
  });
  it('disable switches off ids and whole categories', () => {
    const e = createSignatureEngine({ disable: ['scanner', 'sqli-union-select'] });
    const hits = e.inspect({ url: q('1 UNION SELECT 1'), headers: { 'user-agent': 'sqlmap/1.7.2' } });
    assert.deepEqual(hits, []);
  });
});

describe('real tool traffic', () => {
  it('Nikto payloads are detected without the User-Agent, in the expected category', () => {
    for (const [url, cat] of NIKTO_PAYLOAD_REQUESTS) {
      const hits = engine.inspect({ url, headers: { 'user-agent': BROWSER } });
      assert.ok(
        hits.some((h) => h.category === cat),
        `${url}: ${JSON.stringify(hits)}`,
      );
    }
  });
  it('sqlmap 1.7.2 injection requests are detected without the User-Agent', () => {
    const file = new URL('./fixtures/sqlmap-1.7.2.txt', import.meta.url);
    const urls = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    assert.ok(urls.length > 70);
    // sqlmap also sends plain-looking values to learn the page (id=1, a random number, 5132-5131, 1.2rJjg).
    const benign = /^\/item\?id=(?:\d+|\d+-\d+|\d+\.\d+[a-zA-Z]+)$/;
    const missed = urls.filter((u) => !benign.test(u) && !engine.inspect({ url: u, headers: {} }).length);
    assert.deepEqual(missed, []);
  });
});
