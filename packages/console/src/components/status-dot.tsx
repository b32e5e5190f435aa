import { Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';

const FIVE_MIN = 5 * 60_000;

export function sourceStatus(lastSeen: number | null, now = Date.now()): 'active' | 'idle' | 'never' {
  if (lastSeen === null || lastSeen === undefined) return 'never';
  return now - lastSeen <= FIVE_MIN ? 'active' : 'idle';
}

const COLORS = {
  active: 'var(--mantine-color-green-6)',
  idle: 'var(--mantine-color-gray-5)',
  never: 'var(--mantine-color-gray-3)',
};
const LABELS = { active: 'sources.statusActive', idle: 'sources.statusIdle', never: 'sources.statusNever' } as const;

export function StatusDot({ lastSeen }: { lastSeen: number | null }) {
  const { t } = useTranslation();
  const status = sourceStatus(lastSeen);
  return (
    <Tooltip label={t(LABELS[status])}>
      <span
        className="kyoka-status-dot"
        data-status={status}
        role="img"
        aria-label={t(LABELS[status])}
        style={{ background: COLORS[status] }}
      />
    </Tooltip>
  );
}
