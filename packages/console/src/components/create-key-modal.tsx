/** Create an API key; on success the parent shows the secret once. */
import { Button, Group, Modal, Select, Stack, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { keysApi } from '../api/endpoints.ts';
import { type ApiKey, KEY_ROLES, type KeyRole } from '../api/types.ts';
import { ErrorAlert } from './error-alert.tsx';

interface Props {
  opened: boolean;
  onClose(): void;
  onCreated(key: ApiKey, secret: string): void;
}

export function CreateKeyModal({ opened, onClose, onCreated }: Props) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [role, setRole] = useState<KeyRole>('ingest');
  const [nameError, setNameError] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  function reset() {
    setName('');
    setRole('ingest');
    setNameError(null);
    setError(null);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) {
      setNameError(t('keys.nameRequired'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const res = await keysApi.create(name.trim(), role);
      reset();
      onCreated(res.key, res.secret);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal
      opened={opened}
      onClose={() => {
        reset();
        onClose();
      }}
      title={t('keys.createTitle')}
      centered
    >
      <form onSubmit={submit} noValidate data-testid="create-key-form">
        <Stack>
          <ErrorAlert error={error} />
          <TextInput
            label={t('keys.name')}
            placeholder={t('keys.namePlaceholder')}
            value={name}
            onChange={(e) => {
              setName(e.currentTarget.value);
              setNameError(null);
            }}
            error={nameError}
            name="name"
            maxLength={100}
            data-autofocus
            required
          />
          <Select
            label={t('keys.role')}
            value={role}
            onChange={(v) => v && setRole(v as KeyRole)}
            data={KEY_ROLES.map((r) => ({ value: r, label: t(`keys.roles.${r}`) }))}
            allowDeselect={false}
            data-testid="key-role"
            comboboxProps={{ withinPortal: true }}
          />
          <Group justify="flex-end" mt="sm">
            <Button
              variant="default"
              onClick={() => {
                reset();
                onClose();
              }}
            >
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={busy} data-testid="create-key-submit">
              {t('keys.createSubmit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
