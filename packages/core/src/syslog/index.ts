export * from './framing.ts';
export * from './parse.ts';
