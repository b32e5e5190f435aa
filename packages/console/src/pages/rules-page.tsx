/** Detection rules: hit counts, enabled and mode toggles, the YAML editor with validation and a dry run. */
import { Badge, Button, Card, Center, Group, Loader, Select, Stack, Switch, Table, Text, Title } from '@mantine/core';
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
                  <Table.Tr key={r.id} data-rule-id={r.id}>
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
                      <Badge variant="outline" color="gray">
                        {r.source}
                      </Badge>
                    </Table.Td>
                    <Table.Td ta="right">{fmt.number(r.hits)}</Table.Td>
                    <Table.Td>
                      <Switch
                        checked={r.enabled}
                        disabled={!isAdmin}
                        onChange={(e) => void change(r, { enabled: e.currentTarget.checked })}
                        aria-label={t('rules.enabled')}
                      />
                    </Table.Td>
                    <Table.Td>
                      <Select
                        size="xs"
                        w={130}
                        value={r.mode || 'default'}
                        data={MODES.includes(r.mode) || !r.mode ? MODES : [...MODES, r.mode]}
                        disabled={!isAdmin}
                        allowDeselect={false}
                        onChange={(v) => v && void change(r, { mode: v })}
                      />
                    </Table.Td>
                    <Table.Td ta="right">
                      <Button size="xs" variant="subtle" onClick={() => setEditing(r)}>
                        {t('rules.edit')}
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
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
