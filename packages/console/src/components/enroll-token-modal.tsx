/** Creates a one-time enrollment token and shows it once, with the `kyoka sensor` command to run. */
import { Alert, Button, Code, CopyButton, Group, Modal, Select, Stack, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { sensorsApi } from '../api/sensors.ts';
import { useFormat } from '../i18n/format.ts';
import { ErrorAlert } from './error-alert.tsx';

const TTLS = ['3600', '86400', '604800'] as const;

export function EnrollTokenModal({ opened, onClose }: { opened: boolean; onClose(): void }) {
  const { t } = useTranslation();
  const fmt = useFormat();
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
        <Stack data-testid="enroll-token-result">
          <Alert color="orange" variant="light">
            {t('sensors.tokenWarning', { expires: fmt.dateTime(created.expires_at) })}
          </Alert>
          <Text size="sm">{t('sensors.tokenCommand')}</Text>
          <Group gap="xs" wrap="nowrap" align="stretch">
            <Code
              block
              style={{ flex: 1, wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}
              data-testid="enroll-command"
            >
              {command}
            </Code>
            <CopyButton value={command}>
              {({ copied, copy }) => (
                <Button color={copied ? 'teal' : 'indigo'} variant="light" onClick={copy}>
                  {copied ? t('common.copied') : t('common.copy')}
                </Button>
              )}
            </CopyButton>
          </Group>
          <Group justify="flex-end">
            <Button onClick={close} data-testid="enroll-token-done">
              {t('keys.done')}
            </Button>
          </Group>
        </Stack>
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
