/** Severity as a coloured badge (low → critical). */
import { Badge } from '@mantine/core';

const COLORS: Record<string, string> = { low: 'gray', medium: 'yellow', high: 'orange', critical: 'red' };

export function SeverityBadge({ severity }: { severity: string }) {
  return (
    <Badge color={COLORS[severity] ?? 'gray'} variant="light" data-testid="severity-badge">
      {severity}
    </Badge>
  );
}
