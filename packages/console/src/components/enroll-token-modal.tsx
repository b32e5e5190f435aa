/** Creates a one-time enrollment token and shows it once, with the `kyoka sensor` command to run. */
import { Button, Group, Modal, Select, Stack, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { sensorsApi } from '../api/sensors.ts';
import { ErrorAlert } from './error-alert.tsx';
import { TokenCommand } from './token-command.tsx';

const TTLS = ['3600', '86400', '604800'] as const;

export function EnrollTokenModal({ opened, onClose }: { opened: boolean; onClose(): void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [ttl, setTtl] = useState<string>('86400');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<{ token: string; expires_at: string } | null>(null);

  function close() {
    setName('');
    setTtl('86400');
    setError(null);
    setCreated(null);
    onClose();
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setCreated(await sensorsApi.createToken(name.trim(), Number(ttl)));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const command = created ? `kyoka sensor --server ${window.location.origin} --enroll-token ${created.token}` : '';
  return (
    <Modal
      opened={opened}
      onClose={close}
      title={t('sensors.tokenTitle')}
      centered
      size="lg"
      closeOnClickOutside={!created}
    >
      {created ? (
        <TokenCommand
          command={command}
          expiresAt={created.expires_at}
          label={t('sensors.tokenCommand')}
          onDone={close}
          testIds={{ result: 'enroll-token-result', command: 'enroll-command', done: 'enroll-token-done' }}
        />
      ) : (
        <form onSubmit={submit} noValidate data-testid="enroll-token-form">
          <Stack>
            <ErrorAlert error={error} />
            <TextInput
              label={t('sensors.tokenName')}
              placeholder={t('sensors.tokenNamePlaceholder')}
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              maxLength={128}
              data-autofocus
            />
            <Select
              label={t('sensors.tokenTtl')}
              value={ttl}
              onChange={(v) => v && setTtl(v)}
              data={TTLS.map((v) => ({ value: v, label: t(`sensors.ttl.${v}`) }))}
              allowDeselect={false}
              comboboxProps={{ withinPortal: true }}
            />
            <Group justify="flex-end" mt="sm">
              <Button variant="default" onClick={close}>
                {t('common.cancel')}
              </Button>
              <Button type="submit" loading={busy} data-testid="enroll-token-submit">
                {t('sensors.tokenCreate')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
