/** Shapes shared by the alert store, the notifier and the API. */

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const STATUSES = ['new', 'acknowledged', 'closed'] as const;
export type AlertStatus = (typeof STATUSES)[number];

/** What the rule engine hands over (a Detection, plus the decision id when one was created). */
export interface RaiseInput {
  rule: { id: string; title: string; severity: string; tags?: readonly string[] };
  /** Group key: alerts are grouped per rule and key. */
  key: string;
  group: Record<string, string | number>;
  count: number;
  /** Event ids (the store keeps a capped sample). */
  events: readonly string[];
  /** ISO-8601 times of the first and last matching event. */
  first: string;
  last: string;
  decisionId?: string | number | null;
}

export interface Alert {
  id: string;
  rule_id: string;
  rule_title: string;
  severity: Severity;
  tags: string[];
  group_key: string;
  group: Record<string, string | number>;
  status: AlertStatus;
  count: number;
  first_seen: string;
  last_seen: string;
  created_at: string;
  updated_at: string;
  events: string[];
  decision_id: string | null;
}

export interface AlertFilter {
  status?: AlertStatus;
  severity?: Severity;
  rule?: string;
  /** Substring of the group values (case-insensitive). */
  q?: string;
  /** Epoch ms over last_seen: from inclusive, to exclusive. */
  from?: number;
  to?: number;
}

export interface Page {
  limit: number;
  offset: number;
}

/** What subscribers receive after each raise. */
export interface AlertChange {
  alert: Alert;
  created: boolean;
  /** Count before this raise (0 when created). */
  previousCount: number;
}

export function toSeverity(s: string): Severity {
  const v = s.toLowerCase();
  if ((SEVERITIES as readonly string[]).includes(v)) return v as Severity;
  if (v === 'informational' || v === 'info') return 'low';
  return 'medium';
}
