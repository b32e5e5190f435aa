/**
 * Event detail: flattened fields (sorted dotted keys), pretty-printed raw JSON and
 * event.original. All of it is attacker-controlled and rendered as text nodes only.
 */
import { Code, Drawer, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { KyokaEvent } from '../api/types.ts';
import { useFormat } from '../i18n/format.ts';
import { fieldText, flattenEvent } from '../lib/flatten.ts';

const SKIP = new Set(['event.original']);

export function EventDrawer({ event, onClose }: { event: KyokaEvent | null; onClose(): void }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const fields = useMemo(() => (event ? flattenEvent(event, SKIP) : []), [event]);
  const raw = useMemo(() => (event ? JSON.stringify(event, null, 2) : ''), [event]);
  const original = event ? fieldText(event, 'event.original') : '';

  return (
    <Drawer
      opened={event !== null}
      onClose={onClose}
      position="right"
      size="xl"
      title={<Title order={4}>{t('drawer.title')}</Title>}
      closeButtonProps={{ 'aria-label': t('common.close') }}
    >
      {event && (
        <Stack gap="lg" data-testid="event-drawer">
          <Group gap="xs">
            <Code>{event.id}</Code>
            <Text size="sm" c="dimmed">
              {fmt.dateTime(event['@timestamp'])}
            </Text>
          </Group>
          <section>
            <Text fw={600} mb="xs">
              {t('drawer.fields')}
            </Text>
            <Table data-testid="event-fields" withTableBorder withColumnBorders striped layout="fixed">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w="34%">{t('drawer.field')}</Table.Th>
                  <Table.Th>{t('drawer.value')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {fields.map((f) => (
                  <Table.Tr key={f.key} data-field={f.key}>
                    <Table.Td className="kyoka-mono" style={{ wordBreak: 'break-all', verticalAlign: 'top' }}>
                      {f.key}
                    </Table.Td>
                    <Table.Td className="kyoka-mono" style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>
                      {f.value}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </section>
          <section>
            <Text fw={600} mb="xs">
              {t('drawer.original')}
            </Text>
            {original ? (
              <pre className="kyoka-pre" data-testid="event-original">
                {original}
              </pre>
            ) : (
              <Text size="sm" c="dimmed">
                {t('drawer.noOriginal')}
              </Text>
            )}
          </section>
          <section>
            <Text fw={600} mb="xs">
              {t('drawer.raw')}
            </Text>
            <pre className="kyoka-pre" data-testid="event-raw">
              {raw}
            </pre>
          </section>
        </Stack>
      )}
    </Drawer>
  );
}
