/** Top-N values of a field with a proportional bar; clicking a value opens search filtered on it. */
import { Box, Progress, Table, Text, UnstyledButton } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { TopResult } from '../api/types.ts';
import { useFormat } from '../i18n/format.ts';

interface Props {
  data: TopResult | null;
  onSelect(value: string): void;
  testId: string;
}

export function TopTable({ data, onSelect, testId }: Props) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const buckets = data?.buckets ?? [];
  const max = Math.max(1, ...buckets.map((b) => b.count));
  if (data && buckets.length === 0) {
    return (
      <Text c="dimmed" size="sm" py="md" ta="center">
        {t('common.none')}
      </Text>
    );
  }
  return (
    <Table data-testid={testId} highlightOnHover>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('overview.value')}</Table.Th>
          <Table.Th w={180}>{t('overview.count')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {buckets.map((b) => (
          <Table.Tr key={b.value}>
            <Table.Td>
              <UnstyledButton
                onClick={() => onSelect(b.value)}
                title={t('overview.openInSearch', { value: b.value })}
                className="kyoka-mono"
                c="indigo.7"
                style={{ wordBreak: 'break-all' }}
              >
                {b.value}
              </UnstyledButton>
            </Table.Td>
            <Table.Td>
              <Box style={{ display: 'flex', alignItems: 'center', gap: 8 }}>
                <Progress value={(b.count / max) * 100} size="sm" style={{ flex: 1 }} />
                <Text size="sm" ta="right" w={64} ff="monospace">
                  {fmt.number(b.count)}
                </Text>
              </Box>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
