/**
 * Host agents and WAF nodes: status, name, kind, host, firewall backend, protected ports with
 * their modes, decisions by type, active rules, log collectors with counts, last heartbeat;
 * admins create enrollment tokens and remove nodes. Everything a node reports is rendered as
 * text (React escapes it).
 */
import {
  Alert,
  Badge,
  Button,
  Card,
  Center,
  Code,
  Group,
  Loader,
  Modal,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { type Agent, agentsApi } from '../api/agents.ts';
import { useSession } from '../api/session.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { useFormat } from '../i18n/format.ts';
import { useAsync } from '../lib/use-async.ts';
import { AgentsEnrollModal } from './agents-enroll-modal.tsx';

const MODES = new Set(['honeypot', 'deception', 'reflect', 'firewall']);
const MODE_COLORS: Record<string, string> = {
  honeypot: 'grape',
  deception: 'indigo',
  reflect: 'orange',
  firewall: 'red',
};

function Ports({ a }: { a: Agent }) {
  const { t } = useTranslation();
  if (a.kind === 'waf') return <Text size="sm">{t('agents.sites', { count: a.sites.length })}</Text>;
  if (!a.protect.length) return <Text c="dimmed">{t('agents.none')}</Text>;
  return (
    <Group gap={4}>
      {a.protect.map((p) => (
        <Badge
          key={`${p.port}/${p.protocol}`}
          variant="light"
          color={MODE_COLORS[p.mode] ?? 'gray'}
          tt="none"
          title={p.sandbox ? t('agents.sandbox', { target: p.sandbox }) : undefined}
          data-port={String(p.port)}
          data-mode={p.mode}
        >
          {`${p.port}/${p.protocol} · ${MODES.has(p.mode) ? t(`agents.modes.${p.mode}`) : p.mode}`}
        </Badge>
      ))}
    </Group>
  );
}

function Collectors({ a }: { a: Agent }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  if (!a.collectors.length) return <Text c="dimmed">{t('agents.none')}</Text>;
  return (
    <Stack gap={2}>
      {a.collectors.map((c) => (
        <Text key={`${c.name}-${c.target}`} size="xs" title={c.target} data-collector={c.name}>
          <Text span fw={500} size="xs">
            {c.name}
          </Text>{' '}
          {t('agents.collectorCounts', {
            lines: fmt.number(c.lines),
            events: fmt.number(c.events),
            errors: fmt.number(c.errors),
          })}
        </Text>
      ))}
    </Stack>
  );
}

export function AgentsPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { user } = useSession();
  const isAdmin = user?.role === 'admin';
  const agents = useAsync((signal) => agentsApi.list(signal), []);
  const [enrolling, setEnrolling] = useState(false);
  const [removing, setRemoving] = useState<Agent | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  // status, counters and last-seen change by themselves: refresh while the page is open
  useEffect(() => {
    const id = setInterval(() => agents.reload(), 10_000);
    return () => clearInterval(id);
  }, [agents.reload]);

  async function confirmRemove() {
    if (!removing) return;
    setBusy(true);
    setError(null);
    try {
      await agentsApi.remove(removing.id);
      setNotice(t('agents.removed', { name: removing.name }));
      setRemoving(null);
      agents.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const list = agents.data?.agents ?? [];
  return (
    <Stack gap="lg" maw={1600} mx="auto">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>{t('agents.title')}</Title>
          <Text c="dimmed" size="sm">
            {t('agents.subtitle', { seconds: (agents.data?.heartbeat_seconds ?? 30) * 3 })}
          </Text>
        </div>
        {isAdmin && (
          <Button onClick={() => setEnrolling(true)} data-testid="enroll-agent">
            {t('agents.enroll')}
          </Button>
        )}
      </Group>
      {notice && (
        <Alert color="green" variant="light" withCloseButton onClose={() => setNotice(null)}>
          {notice}
        </Alert>
      )}
      <ErrorAlert error={agents.error} onRetry={agents.reload} />
      <Card p={0}>
        {agents.loading && !agents.data ? (
          <Center p="xl">
            <Loader />
          </Center>
        ) : list.length === 0 ? (
          <Text c="dimmed" ta="center" p="xl" data-testid="agents-empty">
            <Trans i18nKey="agents.empty" components={{ code: <Code /> }} />
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={1200}>
            <Table data-testid="agents-table" highlightOnHover verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={100}>{t('agents.status')}</Table.Th>
                  <Table.Th>{t('agents.name')}</Table.Th>
                  <Table.Th>{t('agents.kind')}</Table.Th>
                  <Table.Th>{t('agents.hostname')}</Table.Th>
                  <Table.Th>{t('agents.backend')}</Table.Th>
                  <Table.Th>{t('agents.ports')}</Table.Th>
                  <Table.Th>{t('agents.decisions')}</Table.Th>
                  <Table.Th ta="right">{t('agents.rules')}</Table.Th>
                  <Table.Th>{t('agents.collectors')}</Table.Th>
                  <Table.Th>{t('agents.lastSeen')}</Table.Th>
                  <Table.Th>{t('agents.version')}</Table.Th>
                  {isAdmin && <Table.Th />}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((a) => (
                  <Table.Tr key={a.id} data-agent-id={a.id}>
                    <Table.Td>
                      <Badge color={a.status === 'online' ? 'green' : 'red'} variant="light" data-status={a.status}>
                        {t(`agents.${a.status}`)}
                      </Badge>
                    </Table.Td>
                    <Table.Td fw={500} data-col="name" style={{ whiteSpace: 'nowrap' }}>
                      {a.name}
                    </Table.Td>
                    <Table.Td data-col="kind">{t(`agents.kinds.${a.kind}`)}</Table.Td>
                    <Table.Td className="kyoka-mono" style={{ whiteSpace: 'nowrap' }}>
                      {a.hostname}
                    </Table.Td>
                    <Table.Td data-col="backend">{a.backend ?? t('agents.none')}</Table.Td>
                    <Table.Td data-col="ports">
                      <Ports a={a} />
                    </Table.Td>
                    <Table.Td data-col="decisions" ff="monospace">
                      <Text size="xs">{`${t('decisions.types.ban')} ${fmt.number(a.decisions.ban)}`}</Text>
                      <Text size="xs">{`${t('decisions.types.deceive')} ${fmt.number(a.decisions.deceive)}`}</Text>
                      <Text size="xs">{`${t('decisions.types.reflect')} ${fmt.number(a.decisions.reflect)}`}</Text>
                    </Table.Td>
                    <Table.Td ta="right" ff="monospace" data-col="rules">
                      {fmt.number(a.rules)}
                    </Table.Td>
                    <Table.Td>
                      <Collectors a={a} />
                    </Table.Td>
                    <Table.Td title={fmt.dateTime(a.last_seen)}>{fmt.relative(a.last_seen)}</Table.Td>
                    <Table.Td className="kyoka-mono">{a.version}</Table.Td>
                    {isAdmin && (
                      <Table.Td>
                        <Button size="xs" variant="subtle" color="red" onClick={() => setRemoving(a)}>
                          {t('agents.remove')}
                        </Button>
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      <AgentsEnrollModal
        opened={enrolling}
        onClose={() => {
          setEnrolling(false);
          agents.reload();
        }}
      />
      <Modal opened={removing !== null} onClose={() => setRemoving(null)} title={t('agents.remove')} centered>
        <Stack>
          <ErrorAlert error={error} />
          <Text size="sm">{t('agents.removeConfirm', { name: removing?.name ?? '' })}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRemoving(null)}>
              {t('common.cancel')}
            </Button>
            <Button color="red" loading={busy} onClick={() => void confirmRemove()} data-testid="agent-remove-confirm">
              {t('agents.remove')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
