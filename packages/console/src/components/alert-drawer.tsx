/**
 * Alert detail: rule, group values, counts, the decision (looked up in the decisions API)
 * and the sample events read back from the event store. Group values and events are
 * attacker-controlled: they are rendered as text nodes only.
 */
import { Badge, Button, Card, Code, Drawer, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AlertStatus, alertsApi, decisionsApi } from '../api/detection.ts';
import type { KyokaEvent } from '../api/types.ts';
import { useFormat } from '../i18n/format.ts';
import { fieldText } from '../lib/flatten.ts';
import { useAsync } from '../lib/use-async.ts';
import { ErrorAlert } from './error-alert.tsx';
import { EventDrawer } from './event-drawer.tsx';
import { eventSummary } from './results-table.tsx';
import { SeverityBadge } from './severity-badge.tsx';

interface Props {
  id: string | null;
  canEdit: boolean;
  onClose(): void;
  onChanged(): void;
}

export function AlertDrawer({ id, canEdit, onClose, onChanged }: Props) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const detail = useAsync((signal) => (id ? alertsApi.get(id, signal) : Promise.resolve(null)), [id]);
  const decisions = useAsync((signal) => decisionsApi.list(signal), [id]);
  const [event, setEvent] = useState<KyokaEvent | null>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const a = detail.data?.alert;
  const decision = a?.decision_id ? decisions.data?.find((d) => String(d.id) === a.decision_id) : undefined;

  async function setStatus(status: AlertStatus) {
    if (!a) return;
    setBusy(true);
    try {
      await alertsApi.setStatus(a.id, status);
      setActionError(null);
      detail.reload();
      onChanged();
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Drawer
      opened={id !== null}
      onClose={onClose}
      position="right"
      size="xl"
      title={<Title order={4}>{t('alerts.detail')}</Title>}
      closeButtonProps={{ 'aria-label': t('common.close') }}
    >
      <ErrorAlert error={detail.error || actionError} onRetry={detail.error ? detail.reload : undefined} />
      {detail.loading && !a && <Loader />}
      {a && (
        <Stack gap="md" data-testid="alert-detail">
          <Group justify="space-between">
            <Group gap="xs">
              <SeverityBadge severity={a.severity} />
              <Text fw={600}>{a.rule_title}</Text>
            </Group>
            <Badge variant="outline">{t(`alerts.status${a.status[0]?.toUpperCase()}${a.status.slice(1)}`)}</Badge>
          </Group>
          {canEdit && (
            <Group gap="xs">
              {a.status === 'new' && (
                <Button size="xs" loading={busy} onClick={() => void setStatus('acknowledged')} data-testid="alert-ack">
                  {t('alerts.acknowledge')}
                </Button>
              )}
              {a.status !== 'closed' ? (
                <Button size="xs" variant="default" loading={busy} onClick={() => void setStatus('closed')}>
                  {t('alerts.close')}
                </Button>
              ) : (
                <Button size="xs" variant="default" loading={busy} onClick={() => void setStatus('new')}>
                  {t('alerts.reopen')}
                </Button>
              )}
            </Group>
          )}
          <Table withRowBorders={false} verticalSpacing={4}>
            <Table.Tbody>
              <Row k={t('alerts.rule')} v={a.rule_id} mono />
              {Object.entries(a.group).map(([k, v]) => (
                <Row key={k} k={k} v={String(v)} mono />
              ))}
              <Row k={t('alerts.count')} v={fmt.number(a.count)} />
              <Row k={t('alerts.firstSeen')} v={fmt.dateTime(a.first_seen)} />
              <Row k={t('alerts.lastSeen')} v={fmt.dateTime(a.last_seen)} />
              {a.tags.length > 0 && <Row k={t('alerts.tags')} v={a.tags.join(', ')} />}
            </Table.Tbody>
          </Table>
          <Card withBorder p="sm" data-testid="alert-decision">
            <Text fw={600} size="sm" mb={4}>
              {t('alerts.decision')}
            </Text>
            {!a.decision_id ? (
              <Text size="sm" c="dimmed">
                {t('alerts.noDecision')}
              </Text>
            ) : decision ? (
              <Text size="sm">
                {t(`decisions.types.${decision.type}`, { defaultValue: decision.type })} {decision.value} ·{' '}
                {decision.reason} · {t('decisions.expires')} {fmt.dateTime(decision.expires_at)}
              </Text>
            ) : (
              <Code>{a.decision_id}</Code>
            )}
          </Card>
          <Title order={5}>{t('alerts.events')}</Title>
          {(detail.data?.events.length ?? 0) === 0 ? (
            <Text size="sm" c="dimmed">
              {t('alerts.noEvents')}
            </Text>
          ) : (
            <Table highlightOnHover data-testid="alert-events">
              <Table.Tbody>
                {detail.data?.events.map((e) => (
                  <Table.Tr key={e.id} onClick={() => setEvent(e)} style={{ cursor: 'pointer' }}>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{fmt.dateTime(e['@timestamp'])}</Table.Td>
                    <Table.Td className="kyoka-mono" style={{ overflowWrap: 'anywhere' }}>
                      {summary(e)}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Stack>
      )}
      <EventDrawer event={event} onClose={() => setEvent(null)} />
    </Drawer>
  );
}

function Row({ k, v, mono }: { k: string; v: string; mono?: boolean }) {
  return (
    <Table.Tr>
      <Table.Th w={{ base: 110, sm: 160 }} style={{ verticalAlign: 'top' }}>
        {k}
      </Table.Th>
      <Table.Td
        className={mono ? 'kyoka-mono' : undefined}
        style={mono ? { wordBreak: 'break-all' } : { overflowWrap: 'anywhere' }}
      >
        {v}
      </Table.Td>
    </Table.Tr>
  );
}

function summary(e: KyokaEvent): string {
  const parts = ['event.action', 'source.ip', 'user.name'].map((f) => fieldText(e, f)).filter(Boolean);
  return [parts.join(' '), eventSummary(e)].filter(Boolean).join(' · ');
}
