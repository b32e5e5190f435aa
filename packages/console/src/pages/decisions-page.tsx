/** Decisions: live list, manual add (value, type, duration, reason) and delete with confirmation. */
import {
  Badge,
  Button,
  Card,
  Center,
  Group,
  Loader,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Decision, decisionsApi } from '../api/detection.ts';
import { useSession } from '../api/session.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { useFormat } from '../i18n/format.ts';
import { useAsync } from '../lib/use-async.ts';

const TYPES = ['ban', 'deceive', 'reflect'];
const TYPE_COLORS: Record<string, string> = { ban: 'red', deceive: 'grape', reflect: 'cyan' };

export function DecisionsPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { user } = useSession();
  const isAdmin = user?.role === 'admin';
  const list = useAsync((signal) => decisionsApi.list(signal), []);
  const [adding, setAdding] = useState(false);
  const [form, setForm] = useState({ value: '', type: 'ban', duration: '4h', reason: '' });
  const [deleting, setDeleting] = useState<Decision | null>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const [formError, setFormError] = useState<unknown>(null);

  async function add() {
    if (!form.value.trim()) return setFormError(new Error(t('decisions.valueRequired')));
    setBusy(true);
    try {
      await decisionsApi.create({ ...form, value: form.value.trim(), reason: form.reason.trim() || undefined });
      setAdding(false);
      setFormError(null);
      setForm({ value: '', type: 'ban', duration: '4h', reason: '' });
      list.reload();
    } catch (err) {
      setFormError(err);
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!deleting) return;
    setBusy(true);
    try {
      await decisionsApi.remove(deleting.id);
      setActionError(null);
      list.reload();
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(false);
      setDeleting(null);
    }
  }

  const rows = list.data ?? [];
  return (
    <Stack gap="lg" maw={1400} mx="auto">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>{t('decisions.title')}</Title>
          <Text c="dimmed" size="sm">
            {t('decisions.subtitle')}
          </Text>
        </div>
        {isAdmin && (
          <Button onClick={() => setAdding(true)} data-testid="add-decision">
            {t('decisions.add')}
          </Button>
        )}
      </Group>
      <ErrorAlert error={list.error || actionError} onRetry={list.error ? list.reload : undefined} />
      <Card p={0}>
        {list.loading && !list.data ? (
          <Center p="xl">
            <Loader />
          </Center>
        ) : rows.length === 0 ? (
          <Text c="dimmed" ta="center" p="xl" data-testid="decisions-empty">
            {t('decisions.empty')}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={900}>
            <Table data-testid="decisions-table" highlightOnHover verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('decisions.value')}</Table.Th>
                  <Table.Th>{t('decisions.type')}</Table.Th>
                  <Table.Th>{t('decisions.origin')}</Table.Th>
                  <Table.Th>{t('decisions.reason')}</Table.Th>
                  <Table.Th>{t('decisions.created')}</Table.Th>
                  <Table.Th>{t('decisions.expires')}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((d) => (
                  <Table.Tr key={String(d.id)} data-decision-id={String(d.id)}>
                    <Table.Td className="kyoka-mono">{d.value}</Table.Td>
                    <Table.Td>
                      <Badge color={TYPE_COLORS[d.type] ?? 'gray'} variant="light" data-type={d.type}>
                        {t(`decisions.types.${d.type}`, { defaultValue: d.type })}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{d.origin}</Table.Td>
                    <Table.Td style={{ wordBreak: 'break-word' }}>{d.reason || d.scenario}</Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{fmt.dateTime(d.created_at)}</Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{fmt.dateTime(d.expires_at)}</Table.Td>
                    <Table.Td ta="right">
                      {isAdmin && (
                        <Button size="xs" color="red" variant="subtle" onClick={() => setDeleting(d)}>
                          {t('decisions.delete')}
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      <Modal opened={adding} onClose={() => setAdding(false)} title={t('decisions.add')} centered>
        <Stack>
          <TextInput
            label={t('decisions.value')}
            placeholder="203.0.113.7 / 198.51.100.0/24"
            value={form.value}
            onChange={(e) => setForm({ ...form, value: e.currentTarget.value })}
            data-testid="decision-value"
          />
          <Select
            label={t('decisions.type')}
            data={TYPES.map((v) => ({ value: v, label: t(`decisions.types.${v}`) }))}
            value={form.type}
            allowDeselect={false}
            onChange={(v) => v && setForm({ ...form, type: v })}
          />
          <TextInput
            label={t('decisions.duration')}
            value={form.duration}
            onChange={(e) => setForm({ ...form, duration: e.currentTarget.value })}
          />
          <TextInput
            label={t('decisions.reason')}
            value={form.reason}
            onChange={(e) => setForm({ ...form, reason: e.currentTarget.value })}
          />
          <ErrorAlert error={formError} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setAdding(false)}>
              {t('common.cancel')}
            </Button>
            <Button loading={busy} onClick={() => void add()} data-testid="decision-submit">
              {t('decisions.add')}
            </Button>
          </Group>
        </Stack>
      </Modal>
      <Modal opened={deleting !== null} onClose={() => setDeleting(null)} title={t('decisions.delete')} centered>
        <Stack>
          <Text size="sm">{t('decisions.deleteConfirm', { value: deleting?.value ?? '' })}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDeleting(null)}>
              {t('common.cancel')}
            </Button>
            <Button color="red" loading={busy} onClick={() => void remove()} data-testid="decision-delete-confirm">
              {t('decisions.delete')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
