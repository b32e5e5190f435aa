import type { Kysely } from 'kysely';
import { openFeatureDb } from '../store/feature-db.ts';

export interface AlertDB {
  alerts: {
    id: string;
    rule_id: string;
    rule_title: string;
    severity: string;
    tags: string;
    group_key: string;
    group_fields: string;
    group_text: string;
    status: string;
    count: number;
    first_seen: number;
    last_seen: number;
    created_at: number;
    updated_at: number;
    events: string;
    decision_id: string | null;
  };
  notification_channels: {
    id: string;
    name: string;
    type: string;
    enabled: number;
    config: string;
    filter: string;
    rate_per_min: number;
    renotify: number;
    created_at: number;
    updated_at: number;
  };
}

export type AlertKysely = Kysely<AlertDB>;

/** Opens a connection for the alert tables. `url` is what run.ts's storeUrl() returns. */
export function openAlertDb(url: string): Kysely<AlertDB> {
  return openFeatureDb<AlertDB>(url, 'alerts').db;
}
