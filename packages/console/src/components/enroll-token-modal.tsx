/**
 * Creates a one-time enrollment token and shows it once, with the command that enrolls the node
 * (sensor, agent or WAF). The caller says how to create the token, how the command reads, and
 * may add fields (the agents' kind switch) above the name.
 */
import { Button, Group, Modal, Select, Stack, TextInput } from '@mantine/core';
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from './error-alert.tsx';
import { TokenCommand } from './token-command.tsx';

const TTLS = ['3600', '86400', '604800'] as const;

export interface EnrollTokenModalProps {
  opened: boolean;
  onClose(): void;
  title: string;
  nameLabel: string;
  namePlaceholder: string;
  commandLabel: string;
  create(name: string, ttlSeconds: number): Promise<{ token: string; expires_at: string }>;
  command(token: string): string;
  extraFields?: ReactNode;
  testIds: { form: string; submit: string; result: string; command: string; done: string };
}

export function EnrollTokenModal(p: EnrollTokenModalProps) {
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
    p.onClose();
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setCreated(await p.create(name.trim(), Number(ttl)));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened={p.opened} onClose={close} title={p.title} centered size="lg" closeOnClickOutside={!created}>
      {created ? (
        <TokenCommand
          command={p.command(created.token)}
          expiresAt={created.expires_at}
          label={p.commandLabel}
          onDone={close}
          testIds={p.testIds}
        />
      ) : (
        <form onSubmit={submit} noValidate data-testid={p.testIds.form}>
          <Stack>
            <ErrorAlert error={error} />
            {p.extraFields}
            <TextInput
              label={p.nameLabel}
              placeholder={p.namePlaceholder}
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
              <Button type="submit" loading={busy} data-testid={p.testIds.submit}>
                {t('sensors.tokenCreate')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
