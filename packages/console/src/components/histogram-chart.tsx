/**
 * Event-count histogram drawn with ECharts (loaded on demand). Only timestamps and counts
 * reach the chart, and the tooltip is rendered as rich text, not HTML.
 */
import { Box, Center, Loader, Text } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { HistogramResult } from '../api/types.ts';
import { useFormat } from '../i18n/format.ts';

type EChartsModule = typeof import('../charts/echarts-setup.ts');
type Chart = ReturnType<EChartsModule['echarts']['init']>;

let loader: Promise<EChartsModule> | null = null;
function loadECharts(): Promise<EChartsModule> {
  loader ??= import('../charts/echarts-setup.ts');
  return loader;
}

interface Props {
  data: HistogramResult | null;
  loading?: boolean;
  height?: number;
}

export function HistogramChart({ data, loading, height = 220 }: Props) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<Chart | null>(null);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    let disposed = false;
    let observer: ResizeObserver | null = null;
    void loadECharts().then(({ echarts }) => {
      if (disposed || !el.current) return;
      chart.current = echarts.init(el.current, undefined, { renderer: 'canvas' });
      observer = new ResizeObserver(() => chart.current?.resize());
      observer.observe(el.current);
      setReady(true);
    });
    return () => {
      disposed = true;
      observer?.disconnect();
      chart.current?.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    if (!ready || !chart.current) return;
    const buckets = data?.buckets ?? [];
    const interval = data?.interval ?? 60_000;
    const seriesName = t('chart.events');
    chart.current.setOption(
      {
        animation: false,
        grid: { left: 48, right: 16, top: 16, bottom: 28 },
        tooltip: {
          trigger: 'axis',
          renderMode: 'richText',
          axisPointer: { type: 'shadow' },
          formatter: (params: unknown) => {
            const p = (Array.isArray(params) ? params[0] : params) as { value?: [number, number] } | undefined;
            if (!p?.value) return '';
            return `${fmt.dateTime(p.value[0])}\n${seriesName}: ${fmt.number(p.value[1])}`;
          },
        },
        xAxis: {
          type: 'time',
          axisLabel: { hideOverlap: true, formatter: (v: number) => fmt.short(v), color: '#868e96' },
          axisLine: { lineStyle: { color: '#ced4da' } },
        },
        yAxis: {
          type: 'value',
          minInterval: 1,
          splitLine: { lineStyle: { color: '#f1f3f5' } },
          axisLabel: { color: '#868e96' },
        },
        series: [
          {
            name: seriesName,
            type: 'bar',
            barMaxWidth: 24,
            itemStyle: { color: '#5c7cfa', borderRadius: [2, 2, 0, 0] },
            data: buckets.map((b) => [b.ts + interval / 2, b.count]),
          },
        ],
      },
      { notMerge: true },
    );
  }, [ready, data, fmt, t]);

  const empty = !loading && data !== null && data.buckets.every((b) => b.count === 0);
  return (
    <Box pos="relative" h={height} data-testid="histogram">
      <div ref={el} style={{ width: '100%', height }} />
      {(loading || !ready) && (
        <Center pos="absolute" inset={0}>
          <Loader size="sm" />
        </Center>
      )}
      {empty && ready && (
        <Center pos="absolute" inset={0} style={{ pointerEvents: 'none' }}>
          <Text c="dimmed" size="sm">
            {t('chart.empty')}
          </Text>
        </Center>
      )}
    </Box>
  );
}
