/**
 * KQL input with history dropdown, time range picker and submit button. On narrow screens the
 * input takes a full row of its own and the buttons wrap below it (see styles.css).
 */
import { ActionIcon, Button, Menu, Text, TextInput, Tooltip } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { clearHistory, loadHistory } from '../lib/query-history.ts';
import type { TimeRange } from '../lib/time-range.ts';
import { QueryMarker } from './query-error.tsx';
import { TimeRangePicker } from './time-range-picker.tsx';

interface Props {
  query: string;
  onQueryChange(q: string): void;
  range: TimeRange;
  onRangeChange(r: TimeRange): void;
  onSubmit(q: string): void;
  /** Bad query from the server: the text that was run and the 0-based error position. */
  error?: { query: string; position: number | undefined } | null;
  busy?: boolean;
}

function HistoryIcon() {
  return (
    <svg
      width="16"
      height="16"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      aria-hidden="true"
    >
      <path d="M3 12a9 9 0 1 0 3-6.7L3 8" />
      <path d="M3 3v5h5" />
      <path d="M12 7v5l3 3" />
    </svg>
  );
}

export function QueryBar({ query, onQueryChange, range, onRangeChange, onSubmit, error, busy }: Props) {
  const { t } = useTranslation();
  const [history, setHistory] = useState<string[]>([]);

  function submit(e: FormEvent) {
    e.preventDefault();
    onSubmit(query);
  }

  return (
    <form onSubmit={submit} data-testid="query-form">
      <div className="kyoka-query-row">
        <Menu position="bottom-start" width={520} shadow="md" onOpen={() => setHistory(loadHistory())}>
          <Menu.Target>
            <Tooltip label={t('search.history')}>
              <ActionIcon variant="default" size={36} aria-label={t('search.history')} data-testid="query-history">
                <HistoryIcon />
              </ActionIcon>
            </Tooltip>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Label>{t('search.history')}</Menu.Label>
            {history.length === 0 && <Menu.Item disabled>{t('search.historyEmpty')}</Menu.Item>}
            {history.map((h) => (
              <Menu.Item
                key={h}
                onClick={() => {
                  onQueryChange(h);
                  onSubmit(h);
                }}
              >
                <Text size="sm" ff="monospace" truncate="end">
                  {h}
                </Text>
              </Menu.Item>
            ))}
            {history.length > 0 && (
              <>
                <Menu.Divider />
                <Menu.Item
                  color="red"
                  onClick={() => {
                    clearHistory();
                    setHistory([]);
                  }}
                >
                  {t('search.clearHistory')}
                </Menu.Item>
              </>
            )}
          </Menu.Dropdown>
        </Menu>
        <div className="kyoka-query-input">
          <TextInput
            value={query}
            onChange={(e) => onQueryChange(e.currentTarget.value)}
            placeholder={t('search.placeholder')}
            aria-label={t('search.title')}
            name="q"
            data-testid="query-input"
            error={Boolean(error)}
            spellCheck={false}
            autoComplete="off"
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          />
          {error && error.position !== undefined && <QueryMarker query={error.query} position={error.position} />}
        </div>
        <TimeRangePicker value={range} onChange={onRangeChange} />
        <Button type="submit" loading={busy} data-testid="query-submit">
          {t('search.submit')}
        </Button>
      </div>
    </form>
  );
}
