import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { runStoreConformance } from './conformance.ts';
import { openStore } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'kyoka-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

runStoreConformance('sqlite', () => openStore({ url: `sqlite:${join(dir, 'kyoka.db')}`, hotQuietMs: 0 }));
