/**
 * Detection rule engine: Sigma-compatible rules with Kyoka thresholds and actions, compiled
 * to closures, run over committed event batches. Wiring (by the server):
 *   const manager = new RuleManager({ dirs: [BUILTIN_RULES_DIR, extraDir], repo, engine, onLoad });
 *   const engine = createEngine({ rules: [], whitelist }); await manager.reload(); manager.watch();
 *   writer.onCommitted((events) => handle(engine.process(events)));
 */
export { BucketStore } from './buckets.ts';
export { compileRule, normalizeTags } from './compile.ts';
export { parseDuration } from './duration.ts';
export { createEngine, type Engine, type EngineOptions, type EngineStats } from './engine.ts';
export { formatRuleError, type LoadResult, loadRuleSources, parseRules, type RuleSource } from './load.ts';
export { RULES_MIGRATION } from './migration.ts';
export { setRuleOverrides } from './overrides.ts';
export { compileOne, type RuleTestResult, type StoreTestOptions, testRule, testRuleAgainstStore } from './replay.ts';
export { openRulesDb, RuleRepo, type RulesDB, type RulesKysely, type StoredRule } from './repo.ts';
export { BUILTIN_RULES_DIR, RuleManager, type RuleManagerOptions, readRulesDir } from './rules-dir.ts';
export type * from './types.ts';
export { compileWhitelist, type Whitelist, type WhitelistSpec } from './whitelist.ts';
