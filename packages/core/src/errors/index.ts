/**
 * One error class with a closed union of stable codes. Every code maps to one HTTP status
 * in one table, so API answers stay consistent across routes.
 */
export const ERROR_STATUS = {
  KYOKA_E_BAD_REQUEST: 400,
  KYOKA_E_BAD_QUERY: 400,
  KYOKA_E_BAD_EVENT: 400,
  KYOKA_E_BAD_CONFIG: 400,
  KYOKA_E_UNAUTHENTICATED: 401,
  KYOKA_E_FORBIDDEN: 403,
  KYOKA_E_NOT_FOUND: 404,
  KYOKA_E_CONFLICT: 409,
  KYOKA_E_PAYLOAD_TOO_LARGE: 413,
  KYOKA_E_UNSUPPORTED_MEDIA: 415,
  KYOKA_E_RATE_LIMITED: 429,
  KYOKA_E_PORT_IN_USE: 500,
  KYOKA_E_STORE: 503,
  KYOKA_E_UNAVAILABLE: 503,
  KYOKA_E_INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class KyokaError extends Error {
  readonly code: ErrorCode;
  /** Structured detail safe to return to API clients (e.g. { position } for query errors). */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, opts: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'KyokaError';
    this.code = code;
    this.details = opts.details;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toJSON(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...(this.details ?? {}) };
  }
}

/** Wraps any thrown value, keeping the original as `cause`. */
export function toKyokaError(err: unknown, code: ErrorCode = 'KYOKA_E_INTERNAL'): KyokaError {
  if (err instanceof KyokaError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new KyokaError(code, message, { cause: err });
}
