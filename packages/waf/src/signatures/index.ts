/** Signature engine for `kyoka waf`: SQLi, XSS, path traversal/LFI, command injection, scanner UAs. */
export * from './decode.ts';
export * from './engine.ts';
export * from './rules.ts';
