export * from './types.ts';
export * from './ulid.ts';
export * from './fields.ts';
export * from './normalize.ts';
