/** Search results. Every value is attacker-controlled text and is rendered as plain text. */
import { Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { KyokaEvent } from '../api/types.ts';
import { useFormat } from '../i18n/format.ts';
import { fieldText } from '../lib/flatten.ts';

export function eventSummary(e: KyokaEvent): string {
  return (
    fieldText(e, 'message') ||
    [fieldText(e, 'http.request.method'), fieldText(e, 'url.full') || fieldText(e, 'url.original')]
      .filter(Boolean)
      .join(' ') ||
    fieldText(e, 'event.original')
  );
}

interface Props {
  events: KyokaEvent[];
  onOpen(e: KyokaEvent): void;
  selectedId?: string | undefined;
}

export function ResultsTable({ events, onOpen, selectedId }: Props) {
  const { t } = useTranslation();
  const fmt = useFormat();
  return (
    <Table.ScrollContainer minWidth={900}>
      <Table data-testid="results" striped stickyHeader>
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={190}>{t('search.col.time')}</Table.Th>
            <Table.Th w={150}>{t('search.col.sourceIp')}</Table.Th>
            <Table.Th w={200}>{t('search.col.action')}</Table.Th>
            <Table.Th w={150}>{t('search.col.user')}</Table.Th>
            <Table.Th>{t('search.col.message')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {events.map((e) => (
            <Table.Tr
              key={e.id}
              className="kyoka-clickable-row"
              data-event-id={e.id}
              tabIndex={0}
              bg={selectedId === e.id ? 'indigo.0' : undefined}
              onClick={() => onOpen(e)}
              onKeyDown={(k) => {
                if (k.key === 'Enter' || k.key === ' ') {
                  k.preventDefault();
                  onOpen(e);
                }
              }}
            >
              <Table.Td>
                <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                  {fmt.dateTime(e['@timestamp'])}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" className="kyoka-mono">
                  {fieldText(e, 'source.ip')}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" className="kyoka-cell-ellipsis" maw={200}>
                  {fieldText(e, 'event.action')}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" className="kyoka-cell-ellipsis" maw={150}>
                  {fieldText(e, 'user.name')}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" className="kyoka-cell-ellipsis" maw={560}>
                  {eventSummary(e)}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
