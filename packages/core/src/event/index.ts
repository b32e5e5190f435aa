export * from './fields.ts';
export * from './normalize.ts';
export * from './types.ts';
export * from './ulid.ts';
