export * from './errors/index.ts';
export * from './event/index.ts';
