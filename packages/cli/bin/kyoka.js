#!/usr/bin/env node
// Kyoka runs its TypeScript sources directly through tsx: no build step, no stale output.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
