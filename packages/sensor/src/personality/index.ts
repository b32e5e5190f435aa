export * from './node.ts';
export * from './profiles.ts';
