/** @kyoka/agent: the host agent (kernel enforcement of decisions, service log collectors). */
export * from './config.ts';
export * from './run.ts';
