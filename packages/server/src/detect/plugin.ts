/**
 * The detection pipeline in the server: committed event batches (EventWriter.onCommitted) run
 * through the rule engine; each detection becomes a decision (escalating, whitelist-checked,
 * pushed to bouncers and agents at once) and/or an alert (grouped, notified). Rules come from
 * rules/ (built-in), the configured extra directory (watched) and the database (console edits).
 * The engine runs synchronously on the committed batch; decisions and alerts are written
 * asynchronously, serialized so a burst keeps its order.
 */

import { KyokaError } from '@kyoka/core';
import type { FastifyInstance } from 'fastify';
import type { AlertService } from '../alerts/index.ts';
import type { RaiseInput } from '../alerts/types.ts';
import type { ServerContext } from '../context.ts';
import { decisionsFor } from '../decisions/index.ts';
import type { CreateInput } from '../decisions/service.ts';
import { storeUrl } from '../run.ts';
import { createEngine, type Engine } from './engine.ts';
import { formatRuleError } from './load.ts';
import { openRulesDb, RuleRepo } from './repo.ts';
import { ruleRoutes } from './routes.ts';
import { BUILTIN_RULES_DIR, RuleManager } from './rules-dir.ts';
import type { Detection } from './types.ts';

/** Most alerts raised in one transaction (it holds the shared connection meanwhile). */
const ALERT_CHUNK = 64;

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

  // Decisions (what enforcement points wait for) go first: one transaction per committed batch,
  // in order. Alerts follow, coalesced: while one alert transaction runs, later batches' alerts
  // gather for the next (at most ALERT_CHUNK per transaction), each after the decisions queued
  // before it, whose ids they carry. Per-detection transactions cost three commits per event.
  let decisionQueue: Promise<void> = Promise.resolve();
  const alertsPending: RaiseInput[] = [];
  let alertRun: Promise<void> | null = null;

  const decideAll = async (found: Detection[]): Promise<Array<number | undefined>> => {
    const ids = new Array<number | undefined>(found.length);
    const at: number[] = [];
    const inputs: CreateInput[] = [];
    found.forEach((d, i) => {
      if (!d.decision) return;
      at.push(i);
      inputs.push({
        value: d.decision.value,
        type: d.decision.type,
        duration_ms: d.decision.duration_ms,
        origin: 'kyoka',
        reason: d.rule.title,
        scenario: d.rule.id,
      });
    });
    if (!inputs.length) return ids;
    try {
      const rows = await decisions.createMany(inputs);
      rows.forEach((r, j) => {
        const d = found[at[j] as number] as Detection;
        // a whitelisted value is refused by the service: that is the whitelist working
        if (r instanceof KyokaError) {
          if (r.code !== 'KYOKA_E_FORBIDDEN') app.log.error({ err: r }, `decision of ${d.rule.id} refused`);
        } else ids[at[j] as number] = r.id;
      });
    } catch (err) {
      app.log.error({ err }, `${inputs.length} decision(s) could not be recorded`);
    }
    return ids;
  };

  const kickAlerts = (): void => {
    if (alertRun) return;
    alertRun = (async () => {
      while (alertsPending.length) {
        await decisionQueue;
        const chunk = alertsPending.splice(0, ALERT_CHUNK);
        try {
          await alerts.raiseMany(chunk);
        } catch (err) {
          app.log.error({ err }, `${chunk.length} alert(s) could not be recorded`);
        }
      }
    })().finally(() => {
      alertRun = null;
      if (alertsPending.length) kickAlerts();
    });
  };

  ctx.ingest.writer.onCommitted((events) => {
    const found = engine.process(events);
    if (!found.length) return;
    const decided = decisionQueue.then(() => decideAll(found));
    decisionQueue = decided.then(() => undefined);
    void decided.then((ids) => {
      found.forEach((d, i) => {
        if (!d.alert) return;
        alertsPending.push({
          rule: { id: d.rule.id, title: d.rule.title, severity: d.rule.severity, tags: d.rule.tags },
          key: d.key,
          group: d.group,
          count: d.count,
          events: d.events,
          first: d.first,
          last: d.last,
          decisionId: ids[i],
        });
      });
      kickAlerts();
    });
  });

  const runtime: DetectionRuntime = {
    engine,
    manager,
    repo,
    idle: async () => {
      for (;;) {
        const q = decisionQueue;
        await q;
        await Promise.resolve(); // the last batch's alerts are queued right after its decisions
        if (alertRun) await alertRun;
        else if (q === decisionQueue && !alertsPending.length) return;
      }
    },
  };
  ruleRoutes(app, ctx, runtime);
  app.addHook('onClose', async () => {
    manager.close();
    await runtime.idle();
    await db.destroy();
  });
}
