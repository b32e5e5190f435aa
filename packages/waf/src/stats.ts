/** Per-site counters returned by `stats()` (and exported as metrics by whoever runs the WAF). */
import type { Category } from './signatures/index.ts';

export interface SiteStats {
  site: string;
  requests: number;
  /** Requests that matched at least one signature of the category. */
  attacks: Record<Category, number>;
  sandboxed: number;
  /** Requests for a protocol upgrade (WebSocket), tunnelled or refused (also in `requests`). */
  upgrades: number;
  banned: number;
  redirected: number;
  html_served: number;
  upstream_errors: number;
  /** Unparseable requests (400) on this site's listener. */
  bad_requests: number;
  too_large: number;
  /** Request body bytes received / response body bytes sent. */
  bytes_in: number;
  bytes_out: number;
}

export function emptyStats(site: string): SiteStats {
  return {
    site,
    requests: 0,
    attacks: { sqli: 0, xss: 0, lfi: 0, cmdi: 0, scanner: 0 },
    sandboxed: 0,
    upgrades: 0,
    banned: 0,
    redirected: 0,
    html_served: 0,
    upstream_errors: 0,
    bad_requests: 0,
    too_large: 0,
    bytes_in: 0,
    bytes_out: 0,
  };
}
