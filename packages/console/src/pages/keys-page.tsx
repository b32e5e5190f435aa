/** API keys: list, create (secret shown once), revoke with confirmation. */
import { Badge, Button, Card, Center, Group, Loader, Modal, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { keysApi } from '../api/endpoints.ts';
import type { ApiKey } from '../api/types.ts';
import { CreateKeyModal } from '../components/create-key-modal.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { KeySecretModal } from '../components/key-secret-modal.tsx';
import { useFormat } from '../i18n/format.ts';
import { useAsync } from '../lib/use-async.ts';

export function KeysPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const keys = useAsync(() => keysApi.list(), []);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [revokeBusy, setRevokeBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);

  async function confirmRevoke() {
    if (!revoking) return;
    setRevokeBusy(true);
    try {
      await keysApi.revoke(revoking.id);
      setActionError(null);
      keys.reload();
    } catch (err) {
      setActionError(err);
    } finally {
      setRevokeBusy(false);
      setRevoking(null);
    }
  }

  const list = keys.data?.keys ?? [];

  return (
    <Stack gap="lg" maw={1400} mx="auto">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>{t('keys.title')}</Title>
          <Text c="dimmed" size="sm">
            {t('keys.subtitle')}
          </Text>
        </div>
        <Button onClick={() => setCreating(true)} data-testid="create-key">
          {t('keys.create')}
        </Button>
      </Group>
      <ErrorAlert error={keys.error || actionError} onRetry={keys.error ? keys.reload : undefined} />
      <Card p={0}>
        {keys.loading && !keys.data ? (
          <Center p="xl">
            <Loader />
          </Center>
        ) : list.length === 0 ? (
          <Text c="dimmed" ta="center" p="xl">
            {t('keys.empty')}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={860}>
            <Table data-testid="keys-table" highlightOnHover verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('keys.name')}</Table.Th>
                  <Table.Th>{t('keys.role')}</Table.Th>
                  <Table.Th>{t('keys.prefix')}</Table.Th>
                  <Table.Th>{t('keys.created')}</Table.Th>
                  <Table.Th>{t('keys.lastUsed')}</Table.Th>
                  <Table.Th>{t('keys.status')}</Table.Th>
                  <Table.Th ta="right">{t('keys.actions')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((k) => (
                  <Table.Tr key={k.id} data-key-id={k.id} c={k.revokedAt ? 'dimmed' : undefined}>
                    <Table.Td fw={500}>{k.name}</Table.Td>
                    <Table.Td>
                      <Badge
                        variant="light"
                        color={k.role === 'admin' ? 'red' : 'indigo'}
                        title={k.role}
                        data-role={k.role}
                      >
                        {t(`roles.${k.role}`, { defaultValue: k.role })}
                      </Badge>
                    </Table.Td>
                    <Table.Td className="kyoka-mono">{k.prefix}</Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{fmt.dateTime(k.createdAt)}</Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>
                      {k.lastUsedAt ? fmt.dateTime(k.lastUsedAt) : t('common.never')}
                    </Table.Td>
                    <Table.Td>
                      {k.revokedAt ? (
                        <Group gap={6} wrap="nowrap">
                          <Badge color="gray" variant="outline">
                            {t('keys.revoked')}
                          </Badge>
                          <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                            {fmt.dateTime(k.revokedAt)}
                          </Text>
                        </Group>
                      ) : (
                        <Badge color="green" variant="light">
                          {t('keys.active')}
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td ta="right">
                      <Button
                        size="xs"
                        color="red"
                        variant="subtle"
                        disabled={Boolean(k.revokedAt)}
                        onClick={() => setRevoking(k)}
                        data-testid="revoke-key"
                      >
                        {t('keys.revoke')}
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      <CreateKeyModal
        opened={creating}
        onClose={() => setCreating(false)}
        onCreated={(key, secret) => {
          setCreating(false);
          setCreated({ name: key.name, secret });
          keys.reload();
        }}
      />
      <KeySecretModal secret={created?.secret ?? null} name={created?.name ?? ''} onClose={() => setCreated(null)} />
      <Modal opened={revoking !== null} onClose={() => setRevoking(null)} title={t('keys.revokeTitle')} centered>
        <Stack>
          <Text size="sm">{t('keys.revokeConfirm', { name: revoking?.name ?? '' })}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRevoking(null)}>
              {t('common.cancel')}
            </Button>
            <Button color="red" loading={revokeBusy} onClick={() => void confirmRevoke()} data-testid="revoke-confirm">
              {t('keys.revokeSubmit')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
