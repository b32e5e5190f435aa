/** @kyoka/link: what a node (agent, WAF) needs to talk to a Kyoka server. */
export * from './decision-stream.ts';
export * from './decision-table.ts';
export * from './enroll.ts';
export * from './heartbeat.ts';
export * from './node-config.ts';
export * from './spool.ts';
export * from './types.ts';
