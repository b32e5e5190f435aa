/** JSON schemas (validation + OpenAPI) of the sensor management API. */

const str = (max: number, min = 0) => ({ type: 'string', minLength: min, maxLength: max }) as const;

export const serviceInfo = {
  type: 'object',
  required: ['name', 'transport'],
  properties: {
    name: str(64, 1),
    port: { type: ['integer', 'null'], minimum: 0, maximum: 65535 },
    transport: str(8),
    status: str(16),
    error: str(2000),
  },
} as const;

const services = { type: 'array', maxItems: 256, items: serviceInfo } as const;
/** A flat OpenCanary dict; checked in detail by validate.ts. */
export const flatConf = {
  type: 'object',
  description: 'Flat OpenCanary config dict, e.g. {"ftp.enabled": true, "ftp.port": 21}',
  additionalProperties: true,
} as const;
const nullableConf = { ...flatConf, type: ['object', 'null'] } as const;
const error = {
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string' } },
  additionalProperties: true,
} as const;

export const errors = { 400: error, 401: error, 403: error, 404: error, 409: error, 429: error } as const;

export const tokenBody = {
  type: 'object',
  additionalProperties: false,
  properties: { name: str(128), ttl_seconds: { type: 'integer', minimum: 1, maximum: 2_592_000 } },
} as const;
export const tokenReply = {
  type: 'object',
  properties: { token: { type: 'string' }, expires_at: { type: 'string', format: 'date-time' } },
} as const;

export const enrollBody = {
  type: 'object',
  required: ['token', 'name', 'hostname', 'version', 'services'],
  properties: {
    token: str(200, 1),
    name: str(128),
    hostname: str(255),
    version: str(64),
    services,
  },
} as const;
export const enrollReply = {
  type: 'object',
  properties: {
    sensor_id: { type: 'string' },
    api_key: { type: 'string' },
    conf: nullableConf,
    config_version: { type: 'integer' },
  },
} as const;

export const heartbeatBody = {
  type: 'object',
  required: ['version', 'services', 'stats', 'config_version'],
  properties: {
    version: str(64),
    services,
    stats: {
      type: 'object',
      required: ['events_total'],
      properties: {
        events_total: { type: 'number', minimum: 0 },
        counters: { type: 'object', additionalProperties: true },
      },
    },
    config_version: { type: 'integer', minimum: 0 },
  },
} as const;
export const heartbeatReply = {
  type: 'object',
  properties: { config_version: { type: 'integer' }, conf: nullableConf },
} as const;

export const sensorView = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    hostname: { type: 'string' },
    version: { type: 'string' },
    services: { type: 'array', items: serviceInfo },
    status: { type: 'string', enum: ['online', 'offline'] },
    last_seen: { type: 'string', format: 'date-time' },
    enrolled_at: { type: 'string', format: 'date-time' },
    events_total: { type: 'number' },
    events_per_min: { type: 'number' },
    template_id: { type: ['string', 'null'] },
    template_name: { type: ['string', 'null'] },
    config_version: { type: 'integer' },
    counters: { type: 'object', additionalProperties: { type: 'number' } },
  },
} as const;

export const templateBody = {
  type: 'object',
  required: ['name', 'conf'],
  additionalProperties: false,
  properties: { name: str(64, 1), description: str(1000), conf: flatConf },
} as const;
export const templateView = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    conf: flatConf,
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
    sensors: { type: 'integer' },
  },
} as const;

export const assignBody = {
  type: 'object',
  required: ['template_id', 'sensor_ids'],
  additionalProperties: false,
  properties: {
    template_id: { type: ['string', 'null'], maxLength: 64 },
    sensor_ids: { type: 'array', minItems: 1, maxItems: 10_000, items: str(64, 1) },
  },
} as const;

export const idParams = { type: 'object', required: ['id'], properties: { id: str(64, 1) } } as const;
