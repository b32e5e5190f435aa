/** Sensor management API (/api/v1/sensors): shapes and typed calls. */
import { api, request } from './client.ts';

export interface SensorService {
  name: string;
  port: number | null;
  transport: string;
  status?: string;
  error?: string;
}

/** Everything except id and timestamps is reported by the sensor: render as text only. */
export interface Sensor {
  id: string;
  name: string;
  hostname: string;
  version: string;
  services: SensorService[];
  status: 'online' | 'offline';
  last_seen: string;
  enrolled_at: string;
  events_total: number;
  events_per_min: number;
  template_id: string | null;
  template_name: string | null;
  config_version: number;
}

export type FlatConf = Record<string, unknown>;

export interface Template {
  id: string;
  name: string;
  description: string;
  conf: FlatConf;
  created_at: string;
  updated_at: string;
  sensors: number;
}

export interface TemplateInput {
  name: string;
  description: string;
  conf: FlatConf;
}

const V1 = '/api/v1/sensors';

export const sensorsApi = {
  list: (signal?: AbortSignal) => api.get<{ sensors: Sensor[]; heartbeat_seconds: number }>(V1, undefined, signal),
  remove: (id: string) => api.del<void>(`${V1}/${encodeURIComponent(id)}`),
  createToken: (name: string, ttlSeconds: number) =>
    api.post<{ token: string; expires_at: string }>(`${V1}/tokens`, {
      ...(name ? { name } : {}),
      ttl_seconds: ttlSeconds,
    }),
  assign: (templateId: string | null, sensorIds: string[]) =>
    api.post<{ updated: number }>(`${V1}/assign`, { template_id: templateId, sensor_ids: sensorIds }),
  templates: (signal?: AbortSignal) => api.get<{ templates: Template[] }>(`${V1}/templates`, undefined, signal),
  createTemplate: (t: TemplateInput) => api.post<Template>(`${V1}/templates`, t),
  updateTemplate: (id: string, t: TemplateInput) =>
    request<Template>('PUT', `${V1}/templates/${encodeURIComponent(id)}`, { body: t }),
  deleteTemplate: (id: string) => api.del<void>(`${V1}/templates/${encodeURIComponent(id)}`),
};
