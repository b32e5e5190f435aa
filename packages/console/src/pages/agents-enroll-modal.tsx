/**
 * Creates a one-time enrollment token for a host agent or a WAF node and shows it once, with
 * the one-line `kyoka agent|waf --config FILE --server URL --token T` command to run on the host.
 */
import { Button, Group, Modal, SegmentedControl, Select, Stack, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AgentKind, agentsApi } from '../api/agents.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { TokenCommand } from '../components/token-command.tsx';

const TTLS = ['3600', '86400', '604800'] as const;

export function AgentsEnrollModal({ opened, onClose }: { opened: boolean; onClose(): void }) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<AgentKind>('agent');
  const [name, setName] = useState('');
  const [ttl, setTtl] = useState<string>('86400');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<{ token: string; expires_at: string; kind: AgentKind } | null>(null);

  function close() {
    setKind('agent');
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
      setCreated(await agentsApi.createToken(kind, name.trim(), Number(ttl)));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const command = created
    ? `kyoka ${created.kind} --config /etc/kyoka/${created.kind}.yaml --server ${window.location.origin} --token ${created.token}`
    : '';
  return (
    <Modal
      opened={opened}
      onClose={close}
      title={t('agents.tokenTitle')}
      centered
      size="lg"
      closeOnClickOutside={!created}
    >
      {created ? (
        <TokenCommand
          command={command}
          expiresAt={created.expires_at}
          label={t('agents.tokenCommand')}
          onDone={close}
          testIds={{ result: 'agent-token-result', command: 'agent-enroll-command', done: 'agent-token-done' }}
        />
      ) : (
        <form onSubmit={submit} noValidate data-testid="agent-token-form">
          <Stack>
            <ErrorAlert error={error} />
            <div>
              <Text size="sm" fw={500} mb={4}>
                {t('agents.tokenKind')}
              </Text>
              <SegmentedControl
                value={kind}
                onChange={(v) => setKind(v as AgentKind)}
                data={[
                  { value: 'agent', label: t('agents.kinds.agent') },
                  { value: 'waf', label: t('agents.kinds.waf') },
                ]}
                data-testid="agent-token-kind"
              />
            </div>
            <TextInput
              label={t('agents.tokenName')}
              placeholder={t('agents.tokenNamePlaceholder')}
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
              <Button type="submit" loading={busy} data-testid="agent-token-submit">
                {t('sensors.tokenCreate')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
