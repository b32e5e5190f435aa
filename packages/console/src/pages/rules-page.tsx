/**
 * Detection rules: hit counts, enabled and mode toggles (a built-in rule switched is stored as an
 * overriding copy), delete of stored rules with confirmation (a built-in rule it overrode comes
 * back), and the YAML editor with validation and a dry run. Rule text may quote attacker data:
 * rendered as text only.
 */
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
  Switch,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Rule, rulesApi } from '../api/detection.ts';
import { useSession } from '../api/session.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { RuleEditorModal } from '../components/rule-editor-modal.tsx';
import { SeverityBadge } from '../components/severity-badge.tsx';
import { useFormat } from '../i18n/format.ts';
import { useAsync } from '../lib/use-async.ts';

const MODES = ['default', 'alert-only', 'deceive'];

export function RulesPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { user } = useSession();
  const isAdmin = user?.role === 'admin';
  const rules = useAsync((signal) => rulesApi.list(signal), []);
  const [editing, setEditing] = useState<Rule | 'new' | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [deleting, setDeleting] = useState<Rule | null>(null);
  const [busy, setBusy] = useState(false);
  const modeLabel = (m: string) => (MODES.includes(m) ? t(`rules.modes.${m}`) : m);
  const modeData = (m: string) =>
    (MODES.includes(m) || !m ? MODES : [...MODES, m]).map((value) => ({ value, label: modeLabel(value) }));

  async function remove() {
    if (!deleting) return;
    setBusy(true);
    try {
      await rulesApi.remove(deleting.id);
      setActionError(null);
      setDeleting(null);
      rules.reload();
    } catch (err) {
      setActionError(err);
      setDeleting(null);
    } finally {
      setBusy(false);
    }
  }

  async function change(r: Rule, body: { enabled?: boolean; mode?: string }) {
    try {
      await rulesApi.update(r.id, body);
      setActionError(null);
      rules.reload();
    } catch (err) {
      setActionError(err);
    }
  }

  const list = rules.data ?? [];
  return (
    <Stack gap="lg" maw={1400} mx="auto">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>{t('rules.title')}</Title>
          <Text c="dimmed" size="sm">
            {t('rules.subtitle')}
          </Text>
        </div>
        {isAdmin && (
          <Button onClick={() => setEditing('new')} data-testid="create-rule">
            {t('rules.create')}
          </Button>
        )}
      </Group>
      <ErrorAlert error={rules.error || actionError} onRetry={rules.error ? rules.reload : undefined} />
      <Card p={0}>
        {rules.loading && !rules.data ? (
          <Center p="xl">
            <Loader />
          </Center>
        ) : list.length === 0 ? (
          <Text c="dimmed" ta="center" p="xl" data-testid="rules-empty">
            {t('rules.empty')}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={900}>
            <Table data-testid="rules-table" highlightOnHover verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('rules.name')}</Table.Th>
                  <Table.Th>{t('rules.severity')}</Table.Th>
                  <Table.Th>{t('rules.source')}</Table.Th>
                  <Table.Th ta="right">{t('rules.hits')}</Table.Th>
                  <Table.Th>{t('rules.enabled')}</Table.Th>
                  <Table.Th>{t('rules.mode')}</Table.Th>
                  <Table.Th ta="right">{t('rules.actions')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((r) => (
                  <Table.Tr key={r.id} data-rule-id={r.id} data-testid="rule-row">
                    <Table.Td>
                      <Text fw={500} size="sm">
                        {r.title}
                      </Text>
                      <Text c="dimmed" size="xs" className="kyoka-mono">
                        {r.id}
                      </Text>
                      {r.error && (
                        <Text c="red" size="xs">
                          {t('rules.broken')}: {r.error}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <SeverityBadge severity={r.severity} />
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="outline" color="gray" data-testid="rule-source">
                        {t(`rules.sources.${r.source}`, { defaultValue: r.source })}
                      </Badge>
                    </Table.Td>
                    <Table.Td ta="right" data-testid="rule-hits" data-hits={r.hits}>
                      {fmt.number(r.hits)}
                    </Table.Td>
                    <Table.Td>
                      <Switch
                        checked={r.enabled}
                        disabled={!isAdmin}
                        onChange={(e) => void change(r, { enabled: e.currentTarget.checked })}
                        aria-label={t('rules.enabled')}
                        data-testid="rule-enabled"
                      />
                    </Table.Td>
                    <Table.Td>
                      <Select
                        size="xs"
                        w={130}
                        value={r.mode || 'default'}
                        data={modeData(r.mode)}
                        disabled={!isAdmin || !!r.error}
                        allowDeselect={false}
                        aria-label={t('rules.mode')}
                        onChange={(v) => v && v !== (r.mode || 'default') && void change(r, { mode: v })}
                        data-testid="rule-mode"
                      />
                    </Table.Td>
                    <Table.Td ta="right">
                      <Group gap={4} justify="flex-end" wrap="nowrap">
                        {!r.error && (
                          <Button size="xs" variant="subtle" onClick={() => setEditing(r)} data-testid="rule-edit">
                            {t('rules.edit')}
                          </Button>
                        )}
                        {isAdmin && r.source === 'db' && !r.error && (
                          <Button
                            size="xs"
                            variant="subtle"
                            color="red"
                            onClick={() => setDeleting(r)}
                            data-testid="rule-delete"
                          >
                            {t('rules.delete')}
                          </Button>
                        )}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      <Modal opened={deleting !== null} onClose={() => setDeleting(null)} title={t('rules.delete')} centered>
        <Stack>
          <Text size="sm" style={{ wordBreak: 'break-all' }}>
            {t('rules.deleteConfirm', { id: deleting?.id ?? '' })}
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDeleting(null)}>
              {t('common.cancel')}
            </Button>
            <Button color="red" loading={busy} onClick={() => void remove()} data-testid="rule-delete-confirm">
              {t('rules.delete')}
            </Button>
          </Group>
        </Stack>
      </Modal>
      <RuleEditorModal
        rule={editing}
        onClose={() => setEditing(null)}
        onSaved={() => {
          setEditing(null);
          rules.reload();
        }}
      />
    </Stack>
  );
}
