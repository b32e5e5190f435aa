/**
 * Rules written as the Sigma project writes them (linux auth keywords, webserver path
 * traversal with W3C field names, a Zeek network rule) load unchanged through the field
 * mapping and match Kyoka events produced by the real parsers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createParser, type EventInput, normalizeEvent } from '@kyoka/core';
import { createEngine } from './engine.ts';
import { parseRules } from './load.ts';
import { ev } from './test-util.ts';

const LINUX_BRUTE = `title: SSHD Authentication Failures
id: 4d7a4a8f-0b3c-4f6e-9c1e-2f1b7d3e5a10
status: test
description: Detects failed SSH logins in sshd / auth logs (keyword rule, as in sigma rules/linux/builtin/sshd).
references:
    - https://github.com/SigmaHQ/sigma
author: Kyoka tests
date: 2026-11-21
tags:
    - attack.credential-access
    - attack.t1110
logsource:
    product: linux
    service: sshd
detection:
    keywords:
        - 'Failed password for'
        - 'Invalid user'
        - 'maximum authentication attempts exceeded'
    condition: keywords
falsepositives:
    - Users mistyping their password
level: medium
`;

const WEB_TRAVERSAL = `title: Path Traversal Exploitation Attempts
id: 7745c2ea-24a5-4290-b680-04359cb84b35
status: test
description: Detects path traversal exploitation attempts in web server logs.
logsource:
    category: webserver
detection:
    selection:
        cs-method:
            - GET
            - POST
        c-uri|contains:
            - '../../'
            - '..%2F..%2F'
            - '%2e%2e%2f'
            - '/etc/passwd'
    filter_status:
        sc-status: 404
    condition: selection and not filter_status
falsepositives:
    - Vulnerability scanners
level: medium
tags:
    - attack.initial-access
    - attack.t1190
`;

const ZEEK_NETWORK = `title: Outbound Connection To Cryptomining Pool Ports
id: 2e9b7b4c-5d2f-4a61-9c7e-8c0f3b6a1d22
status: experimental
description: Connections from inside to well-known Stratum mining ports (Zeek conn.log).
logsource:
    product: zeek
    service: conn
detection:
    selection:
        id.resp_p:
            - 3333
            - 5555
            - 14444
    internal:
        id.orig_h|cidr:
            - '10.0.0.0/8'
            - '192.168.0.0/16'
    condition: selection and internal
level: high
tags:
    - attack.impact
    - attack.t1496
`;

const CTX = { receivedAt: new Date('2026-11-21T12:00:00Z'), sourceName: 'test' };
function syslog(line: string) {
  const [input] = createParser('syslog').parse(line, CTX);
  return normalizeEvent(input as EventInput, { receivedAt: CTX.receivedAt.getTime(), source: 'test' });
}

describe('Sigma rules', () => {
  const loaded = parseRules({ name: 'sigma.yml', text: [LINUX_BRUTE, WEB_TRAVERSAL, ZEEK_NETWORK].join('---\n') });

  it('load with their Sigma metadata: level → severity, ATT&CK tags normalized', () => {
    assert.deepEqual(loaded.errors, []);
    const [bf, web, zeek] = loaded.rules;
    assert.equal(bf?.severity, 'medium');
    assert.deepEqual(bf?.tags, ['TA0006', 'T1110']);
    assert.deepEqual(bf?.falsepositives, ['Users mistyping their password']);
    assert.deepEqual(bf?.index, { field: 'event.dataset', values: ['sshd'] }, 'logsource linux/sshd → dataset sshd');
    assert.deepEqual(web?.tags, ['TA0001', 'T1190']);
    assert.equal(zeek?.severity, 'high');
    assert.deepEqual(zeek?.warnings, ['logsource service:conn has no Kyoka mapping: the rule applies to all events']);
  });

  it('match events from the real parsers and Sigma-named fields', () => {
    const engine = createEngine({ rules: loaded.rules });
    const fail = syslog(
      '<38>Nov 21 10:00:00 web1 sshd[1234]: Failed password for root from 203.0.113.5 port 40022 ssh2',
    );
    const ok = syslog(
      '<38>Nov 21 10:00:01 web1 sshd[1234]: Accepted password for alice from 198.51.100.2 port 40023 ssh2',
    );
    const sudo = syslog(
      '<85>Nov 21 10:00:02 web1 sudo[99]: pam_unix(sudo:auth): authentication failure; logname=bob uid=1000 euid=0 tty=/dev/pts/0 ruser=bob rhost=  user=bob',
    );
    const traversal = ev({
      event: { category: ['web'], dataset: 'waf' },
      http: { request: { method: 'GET' }, response: { status_code: 200 } },
      url: { original: '/cgi-bin/../../../../etc/passwd' },
      source: { ip: '203.0.113.9' },
    });
    const notFound = ev({
      event: { category: ['web'] },
      http: { request: { method: 'GET' }, response: { status_code: 404 } },
      url: { original: '/../../etc/passwd' },
    });
    const mining = ev({
      event: { category: ['network'] },
      source: { ip: '10.1.2.3' },
      destination: { ip: '198.51.100.99', port: 3333 },
    });
    const inbound = ev({ source: { ip: '203.0.113.1' }, destination: { ip: '10.1.2.3', port: 3333 } });
    const out = engine.process([fail, ok, sudo, traversal, notFound, mining, inbound]);
    assert.deepEqual(
      out.map((d) => [d.rule.title, d.events]),
      [
        ['SSHD Authentication Failures', [fail.id]],
        ['Path Traversal Exploitation Attempts', [traversal.id]],
        ['Outbound Connection To Cryptomining Pool Ports', [mining.id]],
      ],
    );
    assert.ok(
      out.every((d) => d.alert && d.decision === undefined),
      'Sigma rules alert only by default',
    );
  });
});
