/**
 * Honeypot activity from the sensors' events (OpenCanary records normalized by the server's
 * parser: event.dataset opencanary, kyoka.honeypot.service, user.name and
 * kyoka.credentials.password): top attackers, services hit, captured credentials. All of it
 * is attacker-controlled and rendered as text only.
 */
import { Card, Grid, Group, SegmentedControl, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { searchApi } from '../api/endpoints.ts';
import type { KyokaEvent } from '../api/types.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { TopTable } from '../components/top-table.tsx';
import { useFormat } from '../i18n/format.ts';
import { navigate, searchPath } from '../lib/router.ts';
import { kqlTerm, type Preset } from '../lib/time-range.ts';
import { useAsync } from '../lib/use-async.ts';

const HONEYPOT_Q = 'event.dataset:opencanary';
const CREDS_Q = `${HONEYPOT_Q} and (user.name:* or kyoka.credentials.password:*)`;
const RANGES: Preset[] = ['1h', '24h', '7d', '30d'];

interface Honeypot {
  kyoka?: { honeypot?: { service?: string }; credentials?: { username?: string; password?: string } };
}

const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

export function HoneypotPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [range, setRange] = useState<Preset>('24h');
  const p = { q: HONEYPOT_Q, from: `now-${range}`, to: 'now' };
  const attackers = useAsync((s) => searchApi.top({ ...p, field: 'source.ip', n: 10 }, s), [range]);
  const services = useAsync((s) => searchApi.top({ ...p, field: 'kyoka.honeypot.service', n: 10 }, s), [range]);
  const creds = useAsync((s) => searchApi.search({ ...p, q: CREDS_Q, limit: 100 }, s), [range]);
  const open = (field: string, value: string) =>
    navigate(searchPath({ q: `${HONEYPOT_Q} and ${kqlTerm(field, value)}`, range }));
  const rows = (creds.data?.events ?? []) as Array<KyokaEvent & Honeypot>;

  return (
    <Stack gap="lg" maw={1400} mx="auto">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>{t('honeypot.title')}</Title>
          <Text c="dimmed" size="sm">
            {t('honeypot.subtitle')}
          </Text>
        </div>
        <SegmentedControl
          value={range}
          onChange={(v) => setRange(v as Preset)}
          data={RANGES.map((r) => ({ value: r, label: t(`range.${r}`) }))}
          data-testid="honeypot-range"
        />
      </Group>
      <ErrorAlert error={attackers.error || services.error || creds.error} />
      <Grid>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Card>
            <Text fw={600} mb="sm">
              {t('honeypot.topAttackers')}
            </Text>
            <TopTable data={attackers.data} onSelect={(v) => open('source.ip', v)} testId="top-attackers" />
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Card>
            <Text fw={600} mb="sm">
              {t('honeypot.servicesHit')}
            </Text>
            <TopTable data={services.data} onSelect={(v) => open('kyoka.honeypot.service', v)} testId="top-services" />
          </Card>
        </Grid.Col>
      </Grid>
      <Card p={0}>
        <Text fw={600} p="md" pb={0}>
          {t('honeypot.credentials')}
        </Text>
        {creds.data && rows.length === 0 ? (
          <Text c="dimmed" ta="center" p="xl">
            {t('honeypot.noCredentials')}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={800}>
            <Table data-testid="credentials-table" verticalSpacing="xs" highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('honeypot.time')}</Table.Th>
                  <Table.Th>{t('honeypot.attacker')}</Table.Th>
                  <Table.Th>{t('honeypot.service')}</Table.Th>
                  <Table.Th>{t('honeypot.username')}</Table.Th>
                  <Table.Th>{t('honeypot.password')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((e) => (
                  <Table.Tr key={e.id}>
                    <Table.Td>{fmt.dateTime(e['@timestamp'])}</Table.Td>
                    <Table.Td className="kyoka-mono">{text(e.source?.ip)}</Table.Td>
                    <Table.Td>{text(e.kyoka?.honeypot?.service)}</Table.Td>
                    <Table.Td className="kyoka-mono" style={{ wordBreak: 'break-all' }}>
                      {text(e.user?.name ?? e.kyoka?.credentials?.username)}
                    </Table.Td>
                    <Table.Td className="kyoka-mono" style={{ wordBreak: 'break-all' }}>
                      {text(e.kyoka?.credentials?.password)}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
    </Stack>
  );
}
