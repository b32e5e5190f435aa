/**
 * Sensor registry and service templates: rows ↔ API views. Sensor-reported strings (name,
 * hostname, version, services) are attacker-reachable if a sensor host is compromised, so
 * they are bounded on the way in and only ever rendered as text.
 */
import { KyokaError, newId } from '@kyoka/core';
import type { Selectable } from 'kysely';
import { guard, parseJson, type SensorDB, type SensorKysely, updated } from './db.ts';
import type { FlatConf } from './validate.ts';

export interface ServiceInfo {
  name: string;
  port: number | null;
  transport: string;
  status?: string;
  error?: string;
}

export interface SensorView {
  id: string;
  name: string;
  hostname: string;
  version: string;
  services: ServiceInfo[];
  status: 'online' | 'offline';
  last_seen: string;
  enrolled_at: string;
  events_total: number;
  events_per_min: number;
  template_id: string | null;
  template_name: string | null;
  config_version: number;
  counters: Record<string, number>;
}

export interface TemplateView {
  id: string;
  name: string;
  description: string;
  conf: FlatConf;
  created_at: string;
  updated_at: string;
  sensors: number;
}

export type SensorRow = Selectable<SensorDB['sensors']>;
type TemplateRow = Selectable<SensorDB['sensor_templates']>;

const iso = (ms: number) => new Date(Number(ms)).toISOString();

export function sensorView(r: SensorRow, templateName: string | null): SensorView {
  return {
    id: r.id,
    name: r.name,
    hostname: r.hostname,
    version: r.version,
    services: parseJson<ServiceInfo[]>(r.services, []),
    status: r.status === 'online' ? 'online' : 'offline',
    last_seen: iso(r.last_seen),
    enrolled_at: iso(r.enrolled_at),
    events_total: Number(r.events_total),
    events_per_min: Math.round(Number(r.events_per_min) * 100) / 100,
    template_id: r.template_id,
    template_name: templateName,
    config_version: Number(r.config_version),
    counters: parseJson<Record<string, number>>(r.counters, {}),
  };
}

function templateView(r: TemplateRow, sensors: number): TemplateView {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    conf: parseJson<FlatConf>(r.conf, {}),
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
    sensors,
  };
}

export class Registry {
  constructor(readonly db: SensorKysely) {}

  getSensor(id: string): Promise<SensorRow | undefined> {
    return guard('sensor', () => this.db.selectFrom('sensors').selectAll().where('id', '=', id).executeTakeFirst());
  }

  sensorByKey(keyId: string): Promise<SensorRow | undefined> {
    return guard('sensor', () =>
      this.db.selectFrom('sensors').selectAll().where('key_id', '=', keyId).executeTakeFirst(),
    );
  }

  insertSensor(row: SensorRow): Promise<void> {
    return guard('sensor', async () => {
      await this.db.insertInto('sensors').values(row).execute();
    });
  }

  updateSensor(id: string, set: Partial<SensorRow>): Promise<number> {
    return guard('sensor', async () =>
      updated(await this.db.updateTable('sensors').set(set).where('id', '=', id).execute()),
    );
  }

  /** Marks online sensors not seen since `before` offline; returns the ones this call changed. */
  async markStale(before: number): Promise<SensorRow[]> {
    const stale = await guard('sensor', () =>
      this.db
        .selectFrom('sensors')
        .selectAll()
        .where('status', '=', 'online')
        .where('last_seen', '<', before)
        .execute(),
    );
    const changed: SensorRow[] = [];
    for (const s of stale) {
      const n = await guard('sensor', async () =>
        updated(
          await this.db
            .updateTable('sensors')
            .set({ status: 'offline' })
            .where('id', '=', s.id)
            .where('status', '=', 'online')
            .where('last_seen', '<', before)
            .execute(),
        ),
      );
      if (n === 1) changed.push(s); // another server sharing the database may have done it
    }
    return changed;
  }

  async listSensors(): Promise<SensorView[]> {
    const [rows, templates] = await Promise.all([
      guard('sensor', () => this.db.selectFrom('sensors').selectAll().orderBy('name').orderBy('id').execute()),
      guard('template', () => this.db.selectFrom('sensor_templates').select(['id', 'name']).execute()),
    ]);
    const names = new Map(templates.map((t) => [t.id, t.name]));
    return rows.map((r) => sensorView(r, r.template_id ? (names.get(r.template_id) ?? null) : null));
  }

  deleteSensor(id: string): Promise<number> {
    return guard('sensor', async () =>
      Number((await this.db.deleteFrom('sensors').where('id', '=', id).executeTakeFirst()).numDeletedRows),
    );
  }

  /** Assigns a template to sensors and bumps their config version. Returns how many changed. */
  assign(templateId: string | null, sensorIds: string[]): Promise<number> {
    return guard('sensor', async () => {
      if (!sensorIds.length) return 0;
      const r = await this.db
        .updateTable('sensors')
        .set((eb) => ({ template_id: templateId, config_version: eb('config_version', '+', 1) }))
        .where('id', 'in', sensorIds)
        .execute();
      return updated(r);
    });
  }

  async listTemplates(): Promise<TemplateView[]> {
    const rows = await guard('template', () =>
      this.db.selectFrom('sensor_templates').selectAll().orderBy('name').execute(),
    );
    const counts = await this.templateUse();
    return rows.map((r) => templateView(r, counts.get(r.id) ?? 0));
  }

  async getTemplate(id: string): Promise<TemplateView | null> {
    const r = await guard('template', () =>
      this.db.selectFrom('sensor_templates').selectAll().where('id', '=', id).executeTakeFirst(),
    );
    return r ? templateView(r, (await this.templateUse()).get(r.id) ?? 0) : null;
  }

  private async templateUse(): Promise<Map<string, number>> {
    const rows = await guard('template', () =>
      this.db
        .selectFrom('sensors')
        .select((eb) => ['template_id', eb.fn.countAll().as('n')])
        .where('template_id', 'is not', null)
        .groupBy('template_id')
        .execute(),
    );
    return new Map(rows.map((r) => [r.template_id as string, Number(r.n)]));
  }

  async createTemplate(t: { name: string; description: string; conf: FlatConf }): Promise<TemplateView> {
    const now = Date.now();
    const row = { id: newId(now), name: t.name, description: t.description, conf: JSON.stringify(t.conf) };
    await guard(`template "${t.name}"`, () =>
      this.db
        .insertInto('sensor_templates')
        .values({ ...row, created_at: now, updated_at: now })
        .execute(),
    );
    return templateView({ ...row, created_at: now, updated_at: now }, 0);
  }

  /** Updates a template and bumps the config version of every sensor using it. */
  async updateTemplate(id: string, t: { name: string; description: string; conf: FlatConf }): Promise<TemplateView> {
    const n = await guard(`template "${t.name}"`, async () =>
      updated(
        await this.db
          .updateTable('sensor_templates')
          .set({ name: t.name, description: t.description, conf: JSON.stringify(t.conf), updated_at: Date.now() })
          .where('id', '=', id)
          .execute(),
      ),
    );
    if (n === 0) throw new KyokaError('KYOKA_E_NOT_FOUND', 'no such template');
    await guard('sensor', () =>
      this.db
        .updateTable('sensors')
        .set((eb) => ({ config_version: eb('config_version', '+', 1) }))
        .where('template_id', '=', id)
        .execute(),
    );
    return (await this.getTemplate(id)) as TemplateView;
  }

  /** Deletes an unused template (409 while sensors use it: they would silently keep a stale config). */
  async deleteTemplate(id: string): Promise<void> {
    const use = (await this.templateUse()).get(id) ?? 0;
    if (use > 0)
      throw new KyokaError('KYOKA_E_CONFLICT', `template is assigned to ${use} sensor(s); reassign them first`);
    const r = await guard('template', () =>
      this.db.deleteFrom('sensor_templates').where('id', '=', id).executeTakeFirst(),
    );
    if (Number(r.numDeletedRows) === 0) throw new KyokaError('KYOKA_E_NOT_FOUND', 'no such template');
  }

  async templateConf(id: string): Promise<FlatConf | null> {
    const r = await guard('template', () =>
      this.db.selectFrom('sensor_templates').select('conf').where('id', '=', id).executeTakeFirst(),
    );
    return r ? parseJson<FlatConf>(r.conf, {}) : null;
  }
}
