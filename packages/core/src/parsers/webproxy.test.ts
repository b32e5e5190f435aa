import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KyokaError } from '../errors/index.ts';
import type { AnyEvent } from './programs/test-helpers.ts';
import { createWebproxyParser } from './webproxy.ts';

const ctx = { receivedAt: new Date('2026-11-21T12:00:00Z'), sourceName: 'proxy-http', transport: 'http' as const };
const p = createWebproxyParser();

// Exactly the seed 000 payload.
const REQ =
  '{"eventName": "HTTPRequest", "eventCategory": "ExternalCommunication", "timestamp": "2025-01-06T15:35:28.440548Z", "sourceIP": "192.168.87.6", "destinationIP": "3.165.102.8", "destinationPort": 443, "method": "GET", "url": "https://www.hsbc.com.hk/zh-hk/", "status": null, "bytes": 0}';

describe('webproxy parser', () => {
  it('maps the seed request', () => {
    const [ev] = p.parse(REQ, ctx) as AnyEvent[];
    assert.equal(ev?.['@timestamp'], '2025-01-06T15:35:28.440Z');
    assert.equal(ev?.event.action, 'http.request');
    assert.deepEqual(ev?.event.category, ['web', 'network']);
    assert.equal(ev?.event.dataset, 'webproxy');
    assert.equal(ev?.event.original, REQ);
    assert.deepEqual(ev?.source, { ip: '192.168.87.6' });
    assert.deepEqual(ev?.destination, { ip: '3.165.102.8', port: 443 });
    assert.equal(ev?.http.request.method, 'GET');
    assert.equal(ev?.http.response, undefined);
    assert.deepEqual(ev?.url, {
      original: 'https://www.hsbc.com.hk/zh-hk/',
      full: 'https://www.hsbc.com.hk/zh-hk/',
      scheme: 'https',
      domain: 'www.hsbc.com.hk',
      path: '/zh-hk/',
    });
    assert.equal(ev?.kyoka.webproxy.event_category, 'ExternalCommunication');
    assert.equal(ev?.kyoka.source, 'proxy-http');
  });

  it('maps a response object with status and bytes', () => {
    const obj = {
      eventName: 'HTTPResponse',
      eventCategory: 'ExternalCommunication',
      timestamp: '2025-01-06T15:35:28.612004Z',
      sourceIP: '::ffff:192.0.2.124',
      destinationIP: '3.165.102.8',
      destinationPort: 443,
      method: 'GET',
      url: 'https://www.hsbc.com.hk:8443/zh-hk/?q=1',
      status: 404,
      bytes: 5120,
    };
    const [ev] = p.parse(obj, ctx) as AnyEvent[];
    assert.equal(ev?.event.action, 'http.response');
    assert.equal(ev?.event.outcome, 'failure');
    assert.equal(ev?.http.response.status_code, 404);
    assert.equal(ev?.http.response.body.bytes, 5120);
    assert.equal(ev?.source.ip, '192.0.2.124');
    assert.equal(ev?.url.port, 8443);
    assert.equal(ev?.url.query, 'q=1');
    assert.deepEqual(JSON.parse(ev?.event.original), obj);
  });

  it('keeps an unparseable URL only as url.original and refuses other shapes', () => {
    const [ev] = p.parse({ eventName: 'HTTPRequest', url: 'not a url', sourceIP: 'garbage' }, ctx) as AnyEvent[];
    assert.deepEqual(ev?.url, { original: 'not a url' });
    assert.equal(ev?.source.ip, undefined);
    assert.throws(
      () => p.parse({ eventName: 'Other' }, ctx),
      (e) => e instanceof KyokaError && e.code === 'KYOKA_E_BAD_EVENT',
    );
  });
});
