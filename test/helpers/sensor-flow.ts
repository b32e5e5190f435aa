/**
 * Shared steps of the sensor end-to-end tests: an FTP login attempt over a raw socket, polling
 * until something holds, and the console API as the admin (session cookie + CSRF) or an analyst.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { adminSession, type Kyoka } from './kyoka.ts';

/** An FTP login attempt: banner, USER, PASS, then waits for the 530 and quits. */
export function ftpLogin(port: number, user: string, pass: string, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, host);
    let buf = '';
    let step = 0;
    s.setEncoding('latin1');
    s.on('data', (d) => {
      buf += d;
      if (step === 0 && /^220 /m.test(buf)) {
        step = 1;
        s.write(`USER ${user}\r\n`);
      } else if (step === 1 && /^331 /m.test(buf)) {
        step = 2;
        s.write(`PASS ${pass}\r\n`);
      } else if (step === 2 && /^530 /m.test(buf)) {
        s.end('QUIT\r\n');
        resolve(buf);
      }
    });
    s.once('error', reject);
    s.once('close', () => resolve(buf));
    s.setTimeout(10_000, () => s.destroy(new Error(`ftp timeout after: ${buf}`)));
  });
}

/** Polls `fn` until it returns something truthy (errors count as not yet). */
export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** The console API of the current server (`kyoka()`: tests restart it): admin session or analyst key. */
export function consoleApi(kyoka: () => Kyoka) {
  let admin: { cookie: string; csrf: string } | null = null;
  async function api(method: string, path: string, body?: unknown, as: 'read' | 'admin' = 'read') {
    const k = kyoka();
    const auth: Record<string, string> =
      as === 'admin' && admin
        ? { cookie: admin.cookie, 'x-kyoka-csrf': admin.csrf }
        : { authorization: `Bearer ${k.readKey}` };
    const res = await fetch(`${k.url}${path}`, {
      method,
      headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }
  return {
    api,
    async login(): Promise<void> {
      admin = await adminSession(kyoka());
    },
    /** Creates a service template as the admin and assigns it to one sensor. */
    async assignTemplate(name: string, conf: Record<string, unknown>, sensorId: string): Promise<void> {
      const tpl = await api('POST', '/api/v1/sensors/templates', { name, conf }, 'admin');
      assert.equal(tpl.status, 201, JSON.stringify(tpl.body));
      const asg = await api(
        'POST',
        '/api/v1/sensors/assign',
        { template_id: tpl.body.id, sensor_ids: [sensorId] },
        'admin',
      );
      assert.deepEqual(asg.body, { updated: 1 });
    },
  };
}
