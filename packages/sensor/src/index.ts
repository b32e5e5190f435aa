export * from './config/index.ts';
export * from './log/format.ts';
export * from './log/logtypes.ts';
export * from './personality/index.ts';
export * from './runtime/index.ts';
export * from './service/types.ts';
