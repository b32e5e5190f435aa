/**
 * Search: KQL query + time range (kept in the URL), histogram, results with cursor paging,
 * detail drawer. A bad query shows the server's message with the error position marked.
 */
import { Button, Card, Center, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, isAbort } from '../api/client.ts';
import { searchApi } from '../api/endpoints.ts';
import type { HistogramResult, KyokaEvent } from '../api/types.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { EventDrawer } from '../components/event-drawer.tsx';
import { HistogramChart } from '../components/histogram-chart.tsx';
import { QueryBar } from '../components/query-bar.tsx';
import { QueryError } from '../components/query-error.tsx';
import { ResultsTable } from '../components/results-table.tsx';
import { useFormat } from '../i18n/format.ts';
import { pushHistory } from '../lib/query-history.ts';
import { navigate, searchPath, useLocation } from '../lib/router.ts';
import { rangeFromQuery, rangeToQuery, type TimeRange } from '../lib/time-range.ts';

const PAGE = 50;

interface Results {
  total: number;
  events: KyokaEvent[];
  cursor: string | null;
}

export function SearchPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { query } = useLocation();
  const q = query.get('q') ?? '';
  const urlRange = rangeFromQuery(query);
  const { from, to } = urlRange;

  const [draft, setDraft] = useState(q);
  const [nonce, setNonce] = useState(0);
  const [results, setResults] = useState<Results | null>(null);
  const [histogram, setHistogram] = useState<HistogramResult | null>(null);
  const [loading, setLoading] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [moreError, setMoreError] = useState<unknown>(null);
  const [selected, setSelected] = useState<KyokaEvent | null>(null);
  const ranQuery = useRef(q);

  // Keep the input in sync when the URL changes (history navigation, overview links).
  useEffect(() => setDraft(q), [q]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: nonce forces a re-run of the same query
  useEffect(() => {
    const ctl = new AbortController();
    const params = { q, from, to };
    ranQuery.current = q;
    setLoading(true);
    setError(null);
    setMoreError(null);
    Promise.all([searchApi.search({ ...params, limit: PAGE }, ctl.signal), searchApi.histogram(params, ctl.signal)])
      .then(([res, hist]) => {
        setResults(res);
        setHistogram(hist);
      })
      .catch((err: unknown) => {
        if (isAbort(err) || ctl.signal.aborted) return;
        setError(err);
        setResults(null);
        setHistogram(null);
      })
      .finally(() => {
        if (!ctl.signal.aborted) setLoading(false);
      });
    return () => ctl.abort();
  }, [q, from, to, nonce]);

  const run = useCallback((nextQ: string, range: TimeRange) => {
    pushHistory(nextQ);
    navigate(searchPath({ q: nextQ.trim() || undefined, ...rangeToQuery(range) }));
    setNonce((n) => n + 1);
  }, []);

  async function loadMore() {
    if (!results?.cursor) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const next = await searchApi.search({ q, from, to, limit: PAGE, cursor: results.cursor });
      setResults({ total: next.total, events: [...results.events, ...next.events], cursor: next.cursor });
    } catch (err) {
      setMoreError(err);
    } finally {
      setLoadingMore(false);
    }
  }

  const badQuery = error instanceof ApiError && error.code === 'KYOKA_E_BAD_QUERY' ? error : null;

  return (
    <Stack gap="md" maw={1400} mx="auto">
      <Title order={2}>{t('search.title')}</Title>
      <QueryBar
        query={draft}
        onQueryChange={setDraft}
        range={urlRange}
        onRangeChange={(r) => run(draft, r)}
        onSubmit={(nextQ) => run(nextQ, urlRange)}
        error={badQuery ? { query: ranQuery.current, position: badQuery.position } : null}
        busy={loading}
      />
      {badQuery ? <QueryError message={badQuery.message} /> : <ErrorAlert error={error} />}
      {!error && (
        <>
          <Card>
            <Group justify="space-between" mb="xs">
              <Text fw={600} data-testid="result-total">
                {results ? t('search.total', { count: results.total, formattedCount: fmt.number(results.total) }) : ' '}
              </Text>
              {results && results.events.length < results.total && (
                <Text size="sm" c="dimmed">
                  {t('search.showing', { shown: fmt.number(results.events.length) })}
                </Text>
              )}
            </Group>
            <HistogramChart data={histogram} loading={loading} height={160} />
          </Card>
          <Card p={0}>
            {loading && !results ? (
              <Center p="xl">
                <Loader />
              </Center>
            ) : results && results.events.length === 0 ? (
              <Text c="dimmed" ta="center" p="xl" data-testid="no-results">
                {t('search.noResults')}
              </Text>
            ) : results ? (
              <ResultsTable events={results.events} onOpen={setSelected} selectedId={selected?.id} />
            ) : null}
            {moreError ? (
              <Center p="md">
                <ErrorAlert error={moreError} onRetry={() => void loadMore()} />
              </Center>
            ) : null}
            {results?.cursor && !loading && !moreError && (
              <Center p="md">
                <Button variant="light" onClick={() => void loadMore()} loading={loadingMore} data-testid="load-more">
                  {t('search.loadMore')}
                </Button>
              </Center>
            )}
          </Card>
        </>
      )}
      <EventDrawer event={selected} onClose={() => setSelected(null)} />
    </Stack>
  );
}
