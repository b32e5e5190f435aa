/** Service templates: list, create/edit in the editor, delete (refused by the server while in use). */
import { Badge, Button, Card, Center, Group, Loader, Modal, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { sensorsApi, type Template } from '../api/sensors.ts';
import { useSession } from '../api/session.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { TemplateEditorModal } from '../components/template-editor-modal.tsx';
import { useFormat } from '../i18n/format.ts';
import { useAsync } from '../lib/use-async.ts';

function enabledServices(tp: Template): string[] {
  return Object.entries(tp.conf)
    .filter(([k, v]) => k.endsWith('.enabled') && v === true)
    .map(([k]) => k.slice(0, -'.enabled'.length))
    .sort();
}

export function TemplatesPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { user } = useSession();
  const isAdmin = user?.role === 'admin';
  const templates = useAsync((signal) => sensorsApi.templates(signal), []);
  const [editing, setEditing] = useState<Template | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Template | null>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);

  async function confirmDelete() {
    if (!deleting) return;
    setBusy(true);
    try {
      await sensorsApi.deleteTemplate(deleting.id);
      setActionError(null);
      templates.reload();
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(false);
      setDeleting(null);
    }
  }

  const list = templates.data?.templates ?? [];
  return (
    <Stack gap="lg" maw={1400} mx="auto">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>{t('templates.title')}</Title>
          <Text c="dimmed" size="sm">
            {t('templates.subtitle')}
          </Text>
        </div>
        {isAdmin && (
          <Button onClick={() => setEditing('new')} data-testid="create-template">
            {t('templates.create')}
          </Button>
        )}
      </Group>
      <ErrorAlert error={templates.error || actionError} onRetry={templates.error ? templates.reload : undefined} />
      <Card p={0}>
        {templates.loading && !templates.data ? (
          <Center p="xl">
            <Loader />
          </Center>
        ) : list.length === 0 ? (
          <Text c="dimmed" ta="center" p="xl">
            {t('templates.empty')}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={860}>
            <Table data-testid="templates-table" highlightOnHover verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('templates.name')}</Table.Th>
                  <Table.Th>{t('templates.services')}</Table.Th>
                  <Table.Th ta="right">{t('templates.sensors')}</Table.Th>
                  <Table.Th>{t('templates.updated')}</Table.Th>
                  {isAdmin && <Table.Th ta="right">{t('templates.actions')}</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((tp) => (
                  <Table.Tr key={tp.id} data-template-id={tp.id}>
                    <Table.Td>
                      <Text fw={500} size="sm">
                        {tp.name}
                      </Text>
                      <Text c="dimmed" size="xs">
                        {tp.description}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {enabledServices(tp).map((s) => (
                          <Badge key={s} variant="light" color="indigo" tt="none">
                            {s}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td ta="right">{fmt.number(tp.sensors)}</Table.Td>
                    <Table.Td>{fmt.dateTime(tp.updated_at)}</Table.Td>
                    {isAdmin && (
                      <Table.Td ta="right">
                        <Group gap={4} justify="flex-end" wrap="nowrap">
                          <Button size="xs" variant="subtle" onClick={() => setEditing(tp)}>
                            {t('templates.edit')}
                          </Button>
                          <Button size="xs" variant="subtle" color="red" onClick={() => setDeleting(tp)}>
                            {t('templates.delete')}
                          </Button>
                        </Group>
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      <TemplateEditorModal
        template={editing}
        onClose={() => setEditing(null)}
        onSaved={() => {
          setEditing(null);
          templates.reload();
        }}
      />
      <Modal opened={deleting !== null} onClose={() => setDeleting(null)} title={t('templates.delete')} centered>
        <Stack>
          <Text size="sm">{t('templates.deleteConfirm', { name: deleting?.name ?? '' })}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDeleting(null)}>
              {t('common.cancel')}
            </Button>
            <Button color="red" loading={busy} onClick={() => void confirmDelete()}>
              {t('templates.delete')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
