/** Per-log-source health: counters, last-seen (relative) and a status dot. */
import { Group, Table, Text, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { LogSource } from '../api/types.ts';
import { useFormat } from '../i18n/format.ts';
import { StatusDot } from './status-dot.tsx';

export function SourceHealthTable({ sources }: { sources: LogSource[] }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  if (sources.length === 0) {
    return (
      <Text c="dimmed" size="sm" py="md" ta="center">
        {t('overview.noSources')}
      </Text>
    );
  }
  return (
    <Table.ScrollContainer minWidth={720}>
      <Table data-testid="source-health" striped highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('sources.name')}</Table.Th>
            <Table.Th>{t('sources.type')}</Table.Th>
            <Table.Th>{t('sources.transport')}</Table.Th>
            <Table.Th ta="right">{t('sources.events')}</Table.Th>
            <Table.Th ta="right">{t('sources.bytes')}</Table.Th>
            <Table.Th ta="right">{t('sources.parseErrors')}</Table.Th>
            <Table.Th>{t('sources.lastSeen')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {sources.map((s) => (
            <Table.Tr key={s.name} data-source={s.name}>
              <Table.Td>
                <Group gap={8} wrap="nowrap">
                  <StatusDot lastSeen={s.lastSeen} />
                  <Text size="sm" fw={500}>
                    {s.name}
                  </Text>
                </Group>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{s.type}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" className="kyoka-mono">
                  {s.port === null ? s.transport : `${s.transport}/${s.port}`}
                </Text>
              </Table.Td>
              <Table.Td ta="right" data-col="events">
                {fmt.number(s.events)}
              </Table.Td>
              <Table.Td ta="right">{fmt.bytes(s.bytes)}</Table.Td>
              <Table.Td ta="right">
                <Text size="sm" c={s.parseErrors > 0 ? 'orange.8' : undefined}>
                  {fmt.number(s.parseErrors)}
                </Text>
              </Table.Td>
              <Table.Td>
                {s.lastSeen === null ? (
                  <Text size="sm" c="dimmed">
                    {t('common.never')}
                  </Text>
                ) : (
                  <Tooltip label={fmt.dateTime(s.lastSeen)}>
                    <Text size="sm" span>
                      {fmt.relative(s.lastSeen)}
                    </Text>
                  </Tooltip>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
