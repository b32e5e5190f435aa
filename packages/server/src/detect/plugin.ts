/**
 * The detection pipeline in the server: committed event batches (EventWriter.onCommitted) run
 * through the rule engine; each detection becomes a decision (escalating, whitelist-checked,
 * pushed to bouncers and agents at once) and/or an alert (grouped, notified). Rules come from
 * rules/ (built-in), the configured extra directory (watched) and the database (console edits).
 * The engine runs synchronously on the committed batch; decisions and alerts are written
 * asynchronously, serialized so a burst keeps its order.
 */
import type { FastifyInstance } from 'fastify';
import type { AlertService } from '../alerts/index.ts';
import type { ServerContext } from '../context.ts';
import { decisionsFor } from '../decisions/index.ts';
import { storeUrl } from '../run.ts';
import { createEngine, type Engine } from './engine.ts';
import { formatRuleError } from './load.ts';
import { openRulesDb, RuleRepo } from './repo.ts';
import { ruleRoutes } from './routes.ts';
import { BUILTIN_RULES_DIR, RuleManager } from './rules-dir.ts';
import type { Detection } from './types.ts';

export interface DetectionRuntime {
  engine: Engine;
  manager: RuleManager;
  repo: RuleRepo;
  /** Resolves when every detection handed over so far has been turned into decisions/alerts. */
  idle(): Promise<void>;
}

export async function detectPlugin(app: FastifyInstance, ctx: ServerContext, alerts: AlertService): Promise<void> {
  const cfg = ctx.config.detect;
  const decisions = decisionsFor(ctx);
  await decisions.start();
  decisions.whitelist.set(cfg.whitelist.ips);
  const engine = createEngine({ rules: [], whitelist: cfg.whitelist, maxBuckets: cfg.maxBuckets });
  const db = openRulesDb(storeUrl(ctx.config));
  const repo = new RuleRepo(db);
  const manager = new RuleManager({
    dirs: cfg.rulesDir ? [BUILTIN_RULES_DIR, cfg.rulesDir] : [BUILTIN_RULES_DIR],
    repo,
    engine,
    onLoad: (r) => {
      for (const e of r.errors) app.log.warn(`rule not loaded: ${formatRuleError(e)}`);
    },
  });
  await manager.reload();
  manager.watch();

  // Two queues keep a burst in order: decisions (what enforcement points wait for) never wait
  // behind an earlier batch's alerts and notifications; a batch's alerts wait for its own
  // decisions, whose ids they carry.
  let decisionQueue: Promise<void> = Promise.resolve();
  let alertQueue: Promise<void> = Promise.resolve();
  const decide = async (d: Detection): Promise<number | undefined> => {
    if (!d.decision) return undefined;
    try {
      const row = await decisions.create({
        value: d.decision.value,
        type: d.decision.type,
        duration_ms: d.decision.duration_ms,
        origin: 'kyoka',
        reason: d.rule.title,
        scenario: d.rule.id,
      });
      return row.id;
    } catch (err) {
      // a whitelisted value is refused by the service: that is the whitelist working
      if ((err as { code?: string }).code !== 'KYOKA_E_FORBIDDEN')
        app.log.error({ err }, `decision of ${d.rule.id} could not be recorded`);
      return undefined;
    }
  };
  ctx.ingest.writer.onCommitted((events) => {
    const found = engine.process(events);
    if (!found.length) return;
    const decided = decisionQueue.then(async () => {
      const ids: Array<number | undefined> = [];
      for (const d of found) ids.push(await decide(d));
      return ids;
    });
    decisionQueue = decided.then(() => undefined);
    alertQueue = Promise.all([alertQueue, decided]).then(async ([, ids]) => {
      for (let i = 0; i < found.length; i++) {
        const d = found[i] as Detection;
        if (!d.alert) continue;
        try {
          await alerts.raise({
            rule: { id: d.rule.id, title: d.rule.title, severity: d.rule.severity, tags: d.rule.tags },
            key: d.key,
            group: d.group,
            count: d.count,
            events: d.events,
            first: d.first,
            last: d.last,
            decisionId: ids[i],
          });
        } catch (err) {
          app.log.error({ err }, `alert of ${d.rule.id} could not be recorded`);
        }
      }
    });
  });

  const runtime: DetectionRuntime = {
    engine,
    manager,
    repo,
    idle: () => Promise.all([decisionQueue, alertQueue]).then(() => undefined),
  };
  ruleRoutes(app, ctx, runtime);
  app.addHook('onClose', async () => {
    manager.close();
    await runtime.idle();
    await db.destroy();
  });
}
