/**
 * /api/v1/rules: the console's rule list (with hit counts and load errors), validation with
 * line numbers, rules stored in the database, mode/enabled switches (a built-in rule switched
 * to alert-only is stored as an overriding copy under the same id), and "test against the last
 * 24 h". Every write reloads the engine at once.
 */
import { KyokaError } from '@kyoka/core';
import { type Static, Type as T } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requirePerm } from '../auth/plugin.ts';
import type { ServerContext } from '../context.ts';
import { parseRules } from './load.ts';
import { setRuleOverrides } from './overrides.ts';
import type { DetectionRuntime } from './plugin.ts';
import { compileOne, testRuleAgainstStore } from './replay.ts';
import type { CompiledRule } from './types.ts';

const tags = ['rules'];
const V1 = '/api/v1/rules';
const MAX_YAML = 256 * 1024;

const Yaml = T.Object({ yaml: T.String({ maxLength: MAX_YAML }) }, { additionalProperties: false });
const Put = T.Object(
  {
    yaml: T.Optional(T.String({ maxLength: MAX_YAML })),
    enabled: T.Optional(T.Boolean()),
    mode: T.Optional(T.Union([T.Literal('default'), T.Literal('alert-only'), T.Literal('deceive')])),
  },
  { additionalProperties: false },
);
const IdParam = T.Object({ id: T.String({ maxLength: 200 }) });
const RuleView = T.Object({
  id: T.String(),
  title: T.String(),
  severity: T.String(),
  enabled: T.Boolean(),
  mode: T.String(),
  source: T.Union([T.Literal('file'), T.Literal('db')]),
  origin: T.String(),
  hits: T.Number(),
  detections: T.Number(),
  tags: T.Array(T.String()),
  yaml: T.Optional(T.String()),
  error: T.Optional(T.String()),
});
const LineError = T.Object({ line: T.Number(), message: T.String() });

function view(r: CompiledRule, hits: Record<string, number>, det: Record<string, number>, yaml = false) {
  return {
    id: r.id,
    title: r.title,
    severity: r.severity,
    enabled: r.enabled,
    mode: r.mode,
    source: r.origin.source.startsWith('db:') ? ('db' as const) : ('file' as const),
    origin: `${r.origin.source}:${r.origin.line}`,
    hits: hits[r.id] ?? 0,
    detections: det[r.id] ?? 0,
    tags: r.tags,
    ...(yaml ? { yaml: r.yaml } : {}),
  };
}

/** Errors of rule text with their lines; empty when it compiles to exactly one rule. */
function validate(yaml: string): Array<{ line: number; message: string }> {
  const r = parseRules({ name: 'rule', text: yaml });
  const errors = r.errors.map((e) => ({ line: e.line, message: e.message }));
  if (!errors.length && r.rules.length !== 1)
    errors.push({ line: 1, message: `expected exactly one rule, found ${r.rules.length}` });
  return errors;
}

export function ruleRoutes(app: FastifyInstance, ctx: ServerContext, rt: DetectionRuntime): void {
  const read = { onRequest: requirePerm('events:read') };
  const admin = { onRequest: requirePerm('detection:manage') };
  const find = (id: string) => rt.engine.rules().find((r) => r.id === id);

  app.get(
    V1,
    {
      ...read,
      schema: {
        tags,
        summary: 'Loaded rules with hit counts, and rules that failed to load',
        response: { 200: T.Array(RuleView) },
      },
    },
    async () => {
      const s = rt.engine.stats();
      const out: Array<Static<typeof RuleView>> = rt.engine.rules().map((r) => view(r, s.hits, s.detections));
      for (const e of rt.manager.last.errors) {
        out.push({
          id: `${e.source}:${e.line}`,
          title: e.source,
          severity: 'unknown',
          enabled: false,
          mode: 'default',
          source: e.source.startsWith('db') ? 'db' : 'file',
          origin: `${e.source}:${e.line}`,
          hits: 0,
          detections: 0,
          tags: [],
          error: e.message,
        });
      }
      return out;
    },
  );

  app.get(
    `${V1}/:id`,
    { ...read, schema: { tags, summary: 'One rule with its YAML', params: IdParam, response: { 200: RuleView } } },
    async (req) => {
      const r = find((req.params as Static<typeof IdParam>).id);
      if (!r) throw new KyokaError('KYOKA_E_NOT_FOUND', 'no such rule');
      const s = rt.engine.stats();
      return view(r, s.hits, s.detections, true);
    },
  );

  app.post(
    `${V1}/validate`,
    {
      ...read,
      schema: {
        tags,
        summary: 'Check rule text',
        body: Yaml,
        response: { 200: T.Object({ ok: T.Boolean(), errors: T.Array(LineError) }) },
      },
    },
    async (req) => {
      const errors = validate((req.body as Static<typeof Yaml>).yaml);
      return { ok: errors.length === 0, errors };
    },
  );

  app.post(
    `${V1}/test`,
    {
      // admins only: a rule's regular expressions run over a day of events on the server
      ...admin,
      schema: { tags, summary: 'What the rule would have matched in the last 24 h of stored events', body: Yaml },
    },
    async (req) => {
      const yaml = (req.body as Static<typeof Yaml>).yaml;
      const errors = validate(yaml);
      if (errors.length)
        throw new KyokaError('KYOKA_E_BAD_REQUEST', errors.map((e) => `line ${e.line}: ${e.message}`).join('; '));
      const r = await testRuleAgainstStore(ctx.events, yaml, { maxMatches: 200 });
      return {
        matches: r.matchedEvents,
        total: r.total,
        scanned: r.scanned,
        truncated: r.truncated,
        detections: r.detections.length,
      };
    },
  );

  const save = async (id: string, yaml: string, enabled: boolean) => {
    await rt.repo.put(id, yaml, enabled);
    await rt.manager.reload();
    const s = rt.engine.stats();
    const r = find(id);
    if (!r) throw new KyokaError('KYOKA_E_BAD_REQUEST', 'the rule was stored but did not load');
    return view(r, s.hits, s.detections, true);
  };

  app.post(
    V1,
    {
      ...admin,
      schema: {
        tags,
        summary: 'Store a rule in the database (replaces one with the same id)',
        body: Yaml,
        response: { 200: RuleView },
      },
    },
    async (req) => {
      const yaml = (req.body as Static<typeof Yaml>).yaml;
      const rule = compileOne(yaml);
      return save(rule.id, yaml, true);
    },
  );

  app.put(
    `${V1}/:id`,
    {
      ...admin,
      schema: {
        tags,
        summary: 'Edit a rule, or switch its mode / enabled',
        params: IdParam,
        body: Put,
        response: { 200: RuleView },
      },
    },
    async (req) => {
      const { id } = req.params as Static<typeof IdParam>;
      const body = req.body as Static<typeof Put>;
      const current = find(id);
      let yaml = body.yaml ?? current?.yaml;
      if (yaml === undefined) throw new KyokaError('KYOKA_E_NOT_FOUND', 'no such rule');
      if (body.mode !== undefined || body.enabled !== undefined)
        yaml = setRuleOverrides(yaml, { mode: body.mode, enabled: body.enabled });
      if (compileOne(yaml).id !== id) throw new KyokaError('KYOKA_E_BAD_REQUEST', 'the rule text must keep its id');
      return save(id, yaml, body.enabled ?? current?.enabled ?? true);
    },
  );

  app.delete(
    `${V1}/:id`,
    {
      ...admin,
      schema: {
        tags,
        summary: 'Delete a rule stored in the database (a built-in rule it overrode comes back)',
        params: IdParam,
      },
    },
    async (req, reply) => {
      const { id } = req.params as Static<typeof IdParam>;
      if (!(await rt.repo.delete(id))) throw new KyokaError('KYOKA_E_NOT_FOUND', 'no stored rule with this id');
      await rt.manager.reload();
      return reply.code(204).send();
    },
  );
}
