/** Assigns one template (or none) to the selected sensors. */
import { Button, Group, Modal, Select, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { sensorsApi, type Template } from '../api/sensors.ts';
import { ErrorAlert } from './error-alert.tsx';

const NONE = '__none__';

interface Props {
  sensorIds: string[];
  templates: Template[];
  onClose(): void;
  onAssigned(count: number): void;
}

export function AssignTemplateModal({ sensorIds, templates, onClose, onAssigned }: Props) {
  const { t } = useTranslation();
  const [value, setValue] = useState<string>(templates[0]?.id ?? NONE);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      const r = await sensorsApi.assign(value === NONE ? null : value, sensorIds);
      onAssigned(r.updated);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal
      opened={sensorIds.length > 0}
      onClose={onClose}
      title={t('sensors.assignTitle', { count: sensorIds.length })}
      centered
    >
      <Stack>
        <ErrorAlert error={error} />
        <Select
          label={t('sensors.template')}
          value={value}
          onChange={(v) => v && setValue(v)}
          data={[
            ...templates.map((tp) => ({ value: tp.id, label: tp.name })),
            { value: NONE, label: t('sensors.assignNone') },
          ]}
          allowDeselect={false}
          comboboxProps={{ withinPortal: true }}
          data-testid="assign-template-select"
        />
        <Text size="sm" c="dimmed">
          {t('sensors.assignHint')}
        </Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button loading={busy} onClick={() => void submit()} data-testid="assign-template-submit">
            {t('sensors.assignSubmit')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
