export * from './ast.ts';
export * from './parse.ts';
