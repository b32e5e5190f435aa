/** Severity as a coloured badge (low → critical), labelled in the UI language. */
import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';

const COLORS: Record<string, string> = { low: 'gray', medium: 'yellow', high: 'orange', critical: 'red' };
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

export function SeverityBadge({ severity }: { severity: string }) {
  const { t } = useTranslation();
  return (
    <Badge color={COLORS[severity] ?? 'gray'} variant="light" data-testid="severity-badge" data-severity={severity}>
      {t(`severity.${severity}`, { defaultValue: severity })}
    </Badge>
  );
}
