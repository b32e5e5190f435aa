/** Time range: presets (last 15m … 30d) or a custom from/to in local time. */
import { Button, Divider, Group, Popover, Stack, Text, TextInput, UnstyledButton } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../i18n/format.ts';
import { PRESETS, presetRange, type TimeRange, toLocalInput } from '../lib/time-range.ts';

interface Props {
  value: TimeRange;
  onChange(r: TimeRange): void;
}

export function TimeRangePicker({ value, onChange }: Props) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [opened, setOpened] = useState(false);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');

  const label = value.key === 'custom' ? `${fmt.short(value.from)} → ${fmt.short(value.to)}` : t(`range.${value.key}`);

  function open() {
    setFrom(toLocalInput(value.from));
    setTo(toLocalInput(value.to));
    setOpened(true);
  }

  const fromDate = from ? new Date(from) : null;
  const toDate = to ? new Date(to) : null;
  const customValid =
    fromDate !== null &&
    toDate !== null &&
    !Number.isNaN(fromDate.getTime()) &&
    !Number.isNaN(toDate.getTime()) &&
    fromDate < toDate;

  return (
    <Popover opened={opened} onChange={setOpened} position="bottom-end" shadow="md" width={300}>
      <Popover.Target>
        <Button
          variant="default"
          onClick={() => (opened ? setOpened(false) : open())}
          data-testid="time-range"
          aria-label={t('range.label')}
          miw={150}
        >
          {label}
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap={2}>
          {PRESETS.map((p) => (
            <UnstyledButton
              key={p}
              px="sm"
              py={6}
              data-testid={`range-${p}`}
              onClick={() => {
                onChange(presetRange(p));
                setOpened(false);
              }}
              style={{
                borderRadius: 6,
                background: value.key === p ? 'var(--mantine-color-indigo-0)' : undefined,
                fontWeight: value.key === p ? 600 : 400,
              }}
            >
              <Text size="sm">{t(`range.${p}`)}</Text>
            </UnstyledButton>
          ))}
        </Stack>
        <Divider my="sm" label={t('range.custom')} labelPosition="left" />
        <Stack gap="xs">
          <TextInput
            type="datetime-local"
            size="xs"
            label={t('range.from')}
            value={from}
            onChange={(e) => setFrom(e.currentTarget.value)}
          />
          <TextInput
            type="datetime-local"
            size="xs"
            label={t('range.to')}
            value={to}
            onChange={(e) => setTo(e.currentTarget.value)}
          />
          <Group justify="flex-end">
            <Button
              size="xs"
              disabled={!customValid}
              onClick={() => {
                if (!fromDate || !toDate) return;
                onChange({ key: 'custom', from: fromDate.toISOString(), to: toDate.toISOString() });
                setOpened(false);
              }}
            >
              {t('range.apply')}
            </Button>
          </Group>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
