export * from './conf.ts';
export * from './defaults.ts';
export * from './load.ts';
export * from './validate.ts';
