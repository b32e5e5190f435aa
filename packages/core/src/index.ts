export * from './duration.ts';
export * from './errors/index.ts';
export * from './event/index.ts';
export * from './parsers/index.ts';
export * from './query/index.ts';
export * from './syslog/index.ts';
export * from './version.ts';
