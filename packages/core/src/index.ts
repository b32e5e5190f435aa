export * from './errors/index.ts';
export * from './event/index.ts';
export * from './query/index.ts';
