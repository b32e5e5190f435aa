/** Overview of the last 24 hours: histogram, top source IPs and actions, log-source health. */
import { Button, Card, Grid, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useCallback, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { searchApi, sourcesApi } from '../api/endpoints.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { HistogramChart } from '../components/histogram-chart.tsx';
import { SourceHealthTable } from '../components/source-health-table.tsx';
import { TopTable } from '../components/top-table.tsx';
import { useFormat } from '../i18n/format.ts';
import { navigate, searchPath } from '../lib/router.ts';
import { kqlTerm } from '../lib/time-range.ts';
import { useAsync } from '../lib/use-async.ts';

const RANGE = { q: '', from: 'now-24h', to: 'now' };

function openSearch(field: string, value: string): void {
  navigate(searchPath({ q: kqlTerm(field, value), range: '24h' }));
}

function Stat({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <Card>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="xl" fw={700} mt={4} data-testid={testId}>
        {value}
      </Text>
    </Card>
  );
}

export function OverviewPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const histogram = useAsync((s) => searchApi.histogram(RANGE, s), []);
  const topIps = useAsync((s) => searchApi.top({ ...RANGE, field: 'source.ip', n: 10 }, s), []);
  const topActions = useAsync((s) => searchApi.top({ ...RANGE, field: 'event.action', n: 10 }, s), []);
  const sources = useAsync((s) => sourcesApi.list(s), []);

  const { reload: r1 } = histogram;
  const { reload: r2 } = topIps;
  const { reload: r3 } = topActions;
  const { reload: r4 } = sources;
  const reloadAll = useCallback(() => {
    r1();
    r2();
    r3();
    r4();
  }, [r1, r2, r3, r4]);
  useEffect(() => {
    const id = window.setInterval(reloadAll, 30_000);
    return () => window.clearInterval(id);
  }, [reloadAll]);

  const total = histogram.data ? histogram.data.buckets.reduce((n, b) => n + b.count, 0) : null;
  const srcList = sources.data?.sources ?? [];
  const active = srcList.filter((s) => s.lastSeen !== null && Date.now() - s.lastSeen <= 5 * 60_000).length;
  const parseErrors = srcList.reduce((n, s) => n + (s.parseErrors ?? 0), 0);
  const error = histogram.error || topIps.error || topActions.error || sources.error;

  return (
    <Stack gap="lg" maw={1400} mx="auto">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>{t('overview.title')}</Title>
          <Text c="dimmed" size="sm">
            {t('overview.subtitle')}
          </Text>
        </div>
        <Button variant="default" size="xs" onClick={reloadAll}>
          {t('common.refresh')}
        </Button>
      </Group>
      <ErrorAlert error={error} onRetry={reloadAll} />
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <Stat label={t('overview.totalEvents')} value={fmt.number(total)} testId="stat-total" />
        <Stat
          label={t('overview.activeSources')}
          value={sources.data ? `${fmt.number(active)} / ${fmt.number(srcList.length)}` : '—'}
          testId="stat-active-sources"
        />
        <Stat
          label={t('overview.parseErrors')}
          value={sources.data ? fmt.number(parseErrors) : '—'}
          testId="stat-parse-errors"
        />
      </SimpleGrid>
      <Card>
        <Text fw={600} mb="sm">
          {t('overview.eventsOverTime')}
        </Text>
        <HistogramChart data={histogram.data} loading={histogram.loading && !histogram.data} />
      </Card>
      <Grid>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Card h="100%">
            <Text fw={600} mb="sm">
              {t('overview.topSourceIps')}
            </Text>
            <TopTable data={topIps.data} testId="top-source-ip" onSelect={(v) => openSearch('source.ip', v)} />
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Card h="100%">
            <Text fw={600} mb="sm">
              {t('overview.topActions')}
            </Text>
            <TopTable
              data={topActions.data}
              testId="top-event-action"
              onSelect={(v) => openSearch('event.action', v)}
            />
          </Card>
        </Grid.Col>
      </Grid>
      <Card>
        <Text fw={600} mb="sm">
          {t('overview.sourceHealth')}
        </Text>
        <SourceHealthTable sources={srcList} />
      </Card>
    </Stack>
  );
}
