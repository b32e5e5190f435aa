export * from './manage.ts';
export * from './run.ts';
export * from './runtime.ts';
