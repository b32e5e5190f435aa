export * from './log/logtypes.ts';
export * from './service/types.ts';
