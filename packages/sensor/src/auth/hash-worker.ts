/**
 * Off-main-thread verification of the slow honeycred schemes (bcrypt, sha512_crypt). Both are
 * pure-JS and CPU-bound (bcryptjs' async compare still burns the main thread in slices; unixcrypt
 * is synchronous), so an attacker spraying passwords at a service with hashed honeycreds would
 * stall every service of the sensor. One lazily started worker thread runs them one at a time;
 * callers bound how much they queue (./verify-limit.ts). The worker is unref'd (never keeps the
 * process alive) and restarted after a crash; a crash answers every pending check "no match".
 * The worker source is plain JavaScript (eval) so it runs the same under tsx and in production.
 */
import { Worker } from 'node:worker_threads';

export type SlowScheme = 'bcrypt' | 'sha512_crypt';

const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const libs = Promise.all([import(workerData.unixcrypt), import(workerData.bcryptjs)]);
parentPort.on('message', async (m) => {
  let ok = false;
  try {
    const [u, b] = await libs;
    const bc = b.default || b;
    ok = m.scheme === 'bcrypt' ? bc.compareSync(m.password, m.hash) : u.verify(m.password, m.hash);
  } catch {
    ok = false;
  }
  parentPort.postMessage({ id: m.id, ok: ok === true });
});
`;

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, (ok: boolean) => void>();

function failAll(): void {
  worker = null;
  for (const done of pending.values()) done(false);
  pending.clear();
}

function getWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(SOURCE, {
    eval: true,
    workerData: { unixcrypt: import.meta.resolve('unixcrypt'), bcryptjs: import.meta.resolve('bcryptjs') },
    // the worker needs no loader: it is plain JS importing plain JS packages
    execArgv: [],
    resourceLimits: { maxOldGenerationSizeMb: 64 },
  });
  w.on('message', (m: { id: number; ok: boolean }) => {
    const done = pending.get(m.id);
    pending.delete(m.id);
    done?.(m.ok === true);
    if (pending.size === 0) w.unref();
  });
  w.on('error', () => {
    if (worker === w) failAll();
  });
  w.on('exit', () => {
    if (worker === w) failAll();
  });
  w.unref();
  worker = w;
  return w;
}

/** Verifies on the worker thread; never rejects (any failure is "no match"). */
export function verifyOffThread(scheme: SlowScheme, password: string, hash: string): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      const w = getWorker();
      const id = nextId++;
      pending.set(id, resolve);
      w.ref(); // a check in flight keeps the process alive until it answers
      w.postMessage({ id, scheme, password, hash });
    } catch {
      resolve(false);
    }
  });
}

/** Stops the worker (tests); the next check starts a new one. */
export async function stopHashWorker(): Promise<void> {
  const w = worker;
  failAll();
  await w?.terminate();
}
