/** Alerts: filters (status, severity, group search), paged list, detail drawer. */
import { Button, Card, Center, Group, Loader, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { alertsApi } from '../api/detection.ts';
import { useSession } from '../api/session.tsx';
import { AlertDrawer } from '../components/alert-drawer.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { SEVERITIES, SeverityBadge } from '../components/severity-badge.tsx';
import { useFormat } from '../i18n/format.ts';
import { useLocation } from '../lib/router.ts';
import { useAsync } from '../lib/use-async.ts';

const PAGE = 50;

export function AlertsPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { user } = useSession();
  const { query } = useLocation();
  const [status, setStatus] = useState<string | null>(null);
  const [severity, setSeverity] = useState<string | null>(null);
  const [q, setQ] = useState('');
  const [applied, setApplied] = useState('');
  const [offset, setOffset] = useState(0);
  const [open, setOpen] = useState<string | null>(query.get('id'));
  const list = useAsync(
    (signal) =>
      alertsApi.list(
        { status: status ?? undefined, severity: severity ?? undefined, q: applied, limit: PAGE, offset },
        signal,
      ),
    [status, severity, applied, offset],
  );
  const rows = list.data?.alerts ?? [];
  const total = list.data?.total ?? 0;
  const statusLabel = (s: string) => t(`alerts.status${s[0]?.toUpperCase()}${s.slice(1)}`);

  return (
    <Stack gap="lg" maw={1400} mx="auto">
      <div>
        <Title order={2}>{t('alerts.title')}</Title>
        <Text c="dimmed" size="sm">
          {t('alerts.subtitle')}
        </Text>
      </div>
      <Group align="flex-end">
        <Select
          label={t('alerts.status')}
          placeholder={t('alerts.any')}
          clearable
          value={status}
          onChange={(v) => {
            setStatus(v);
            setOffset(0);
          }}
          data={['new', 'acknowledged', 'closed'].map((s) => ({ value: s, label: statusLabel(s) }))}
          data-testid="alerts-status"
          w={180}
        />
        <Select
          label={t('alerts.severity')}
          placeholder={t('alerts.any')}
          clearable
          value={severity}
          onChange={(v) => {
            setSeverity(v);
            setOffset(0);
          }}
          data={SEVERITIES.map((s) => ({ value: s, label: t(`severity.${s}`) }))}
          w={160}
        />
        <TextInput
          label={t('alerts.group')}
          placeholder={t('alerts.search')}
          value={q}
          onChange={(e) => setQ(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              setApplied(q.trim());
              setOffset(0);
            }
          }}
          onBlur={() => setApplied(q.trim())}
          data-testid="alerts-q"
          w={320}
        />
        <Button variant="default" onClick={list.reload}>
          {t('common.refresh')}
        </Button>
      </Group>
      <ErrorAlert error={list.error} onRetry={list.error ? list.reload : undefined} />
      <Card p={0}>
        {list.loading && !list.data ? (
          <Center p="xl">
            <Loader />
          </Center>
        ) : rows.length === 0 ? (
          <Text c="dimmed" ta="center" p="xl" data-testid="alerts-empty">
            {t('alerts.empty')}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={900}>
            <Table data-testid="alerts-table" highlightOnHover verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('alerts.severity')}</Table.Th>
                  <Table.Th>{t('alerts.rule')}</Table.Th>
                  <Table.Th>{t('alerts.group')}</Table.Th>
                  <Table.Th ta="right">{t('alerts.count')}</Table.Th>
                  <Table.Th>{t('alerts.status')}</Table.Th>
                  <Table.Th>{t('alerts.lastSeen')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((a) => (
                  <Table.Tr key={a.id} data-alert-id={a.id} onClick={() => setOpen(a.id)} style={{ cursor: 'pointer' }}>
                    <Table.Td>
                      <SeverityBadge severity={a.severity} />
                    </Table.Td>
                    <Table.Td fw={500}>{a.rule_title}</Table.Td>
                    <Table.Td className="kyoka-mono" style={{ wordBreak: 'break-all' }}>
                      {Object.values(a.group).join(' · ')}
                    </Table.Td>
                    <Table.Td ta="right">{fmt.number(a.count)}</Table.Td>
                    <Table.Td>{statusLabel(a.status)}</Table.Td>
                    <Table.Td title={fmt.dateTime(a.last_seen)}>{fmt.relative(a.last_seen)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      {total > 0 && (
        <Group justify="space-between">
          <Text size="sm" c="dimmed">
            {t('alerts.total', { count: total })}
          </Text>
          <Group gap="xs">
            <Button
              size="xs"
              variant="default"
              disabled={offset === 0}
              onClick={() => setOffset(Math.max(0, offset - PAGE))}
            >
              {t('alerts.prev')}
            </Button>
            <Button
              size="xs"
              variant="default"
              disabled={offset + PAGE >= total}
              onClick={() => setOffset(offset + PAGE)}
            >
              {t('alerts.next')}
            </Button>
          </Group>
        </Group>
      )}
      <AlertDrawer id={open} canEdit={user?.role === 'admin'} onClose={() => setOpen(null)} onChanged={list.reload} />
    </Stack>
  );
}
