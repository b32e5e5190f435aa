/**
 * Honeypot sensors: status, name, host, last heartbeat, version, services, event rate and
 * template; select sensors to assign a template; create an enrollment token. Everything a
 * sensor reports is rendered as text.
 */
import {
  Alert,
  Badge,
  Button,
  Card,
  Center,
  Checkbox,
  Group,
  Loader,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Sensor, sensorsApi } from '../api/sensors.ts';
import { useSession } from '../api/session.tsx';
import { AssignTemplateModal } from '../components/assign-template-modal.tsx';
import { EnrollTokenModal } from '../components/enroll-token-modal.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { useFormat } from '../i18n/format.ts';
import { useAsync } from '../lib/use-async.ts';

function ServiceBadges({ s }: { s: Sensor }) {
  const { t } = useTranslation();
  return (
    <Group gap={4}>
      {s.services.map((svc) => {
        const failed = svc.status === 'failed';
        const badge = (
          <Badge
            key={`${svc.name}-${svc.port}`}
            variant={failed ? 'outline' : 'light'}
            color={failed ? 'red' : 'gray'}
            tt="none"
            data-service={svc.name}
          >
            {svc.name}
            {svc.port ? `:${svc.port}` : ''}
          </Badge>
        );
        return failed ? (
          <Tooltip
            key={`${svc.name}-${svc.port}`}
            label={t('sensors.serviceFailed', { name: svc.name, error: svc.error ?? '' })}
          >
            {badge}
          </Tooltip>
        ) : (
          badge
        );
      })}
    </Group>
  );
}

export function SensorsPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { user } = useSession();
  const isAdmin = user?.role === 'admin';
  const sensors = useAsync((signal) => sensorsApi.list(signal), []);
  const templates = useAsync((signal) => sensorsApi.templates(signal), []);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [assigning, setAssigning] = useState<string[]>([]);
  const [enrolling, setEnrolling] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  // status and last-seen change by themselves: refresh while the page is open
  useEffect(() => {
    const id = setInterval(() => sensors.reload(), 10_000);
    return () => clearInterval(id);
  }, [sensors.reload]);

  const list = sensors.data?.sensors ?? [];
  const allSelected = list.length > 0 && list.every((s) => selected.has(s.id));
  const toggle = (id: string) =>
    setSelected((cur) => {
      const next = new Set(cur);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <Stack gap="lg" maw={1400} mx="auto">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>{t('sensors.title')}</Title>
          <Text c="dimmed" size="sm">
            {t('sensors.subtitle', { seconds: (sensors.data?.heartbeat_seconds ?? 30) * 3 })}
          </Text>
        </div>
        {isAdmin && (
          <Group>
            <Button
              variant="default"
              disabled={selected.size === 0}
              onClick={() => setAssigning([...selected])}
              data-testid="assign-template"
            >
              {t('sensors.assign')}
              {selected.size > 0 ? ` · ${t('sensors.selected', { count: selected.size })}` : ''}
            </Button>
            <Button onClick={() => setEnrolling(true)} data-testid="enroll-sensor">
              {t('sensors.enroll')}
            </Button>
          </Group>
        )}
      </Group>
      {notice && (
        <Alert
          color="green"
          variant="light"
          withCloseButton
          onClose={() => setNotice(null)}
          data-testid="sensors-notice"
        >
          {notice}
        </Alert>
      )}
      <ErrorAlert error={sensors.error || templates.error} onRetry={sensors.error ? sensors.reload : undefined} />
      <Card p={0}>
        {sensors.loading && !sensors.data ? (
          <Center p="xl">
            <Loader />
          </Center>
        ) : list.length === 0 ? (
          <Text c="dimmed" ta="center" p="xl">
            {t('sensors.empty')}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={1000}>
            <Table data-testid="sensors-table" highlightOnHover verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  {isAdmin && (
                    <Table.Th w={40}>
                      <Checkbox
                        aria-label="all"
                        checked={allSelected}
                        indeterminate={selected.size > 0 && !allSelected}
                        onChange={() => setSelected(allSelected ? new Set() : new Set(list.map((s) => s.id)))}
                      />
                    </Table.Th>
                  )}
                  <Table.Th>{t('sensors.status')}</Table.Th>
                  <Table.Th>{t('sensors.name')}</Table.Th>
                  <Table.Th>{t('sensors.hostname')}</Table.Th>
                  <Table.Th>{t('sensors.lastSeen')}</Table.Th>
                  <Table.Th>{t('sensors.version')}</Table.Th>
                  <Table.Th>{t('sensors.services')}</Table.Th>
                  <Table.Th ta="right">{t('sensors.rate')}</Table.Th>
                  <Table.Th>{t('sensors.template')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((s) => (
                  <Table.Tr key={s.id} data-sensor-id={s.id}>
                    {isAdmin && (
                      <Table.Td>
                        <Checkbox aria-label={s.name} checked={selected.has(s.id)} onChange={() => toggle(s.id)} />
                      </Table.Td>
                    )}
                    <Table.Td>
                      <Badge color={s.status === 'online' ? 'green' : 'red'} variant="light" data-status={s.status}>
                        {t(`sensors.${s.status}`)}
                      </Badge>
                    </Table.Td>
                    <Table.Td fw={500} data-col="name">
                      {s.name}
                    </Table.Td>
                    <Table.Td className="kyoka-mono">{s.hostname}</Table.Td>
                    <Table.Td title={fmt.dateTime(s.last_seen)}>{fmt.relative(s.last_seen)}</Table.Td>
                    <Table.Td className="kyoka-mono">{s.version}</Table.Td>
                    <Table.Td>
                      <ServiceBadges s={s} />
                    </Table.Td>
                    <Table.Td ta="right" ff="monospace">
                      {fmt.number(s.events_per_min)}
                    </Table.Td>
                    <Table.Td data-col="template">{s.template_name ?? t('sensors.noTemplate')}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      <EnrollTokenModal
        opened={enrolling}
        onClose={() => setEnrolling(false)}
        title={t('sensors.tokenTitle')}
        nameLabel={t('sensors.tokenName')}
        namePlaceholder={t('sensors.tokenNamePlaceholder')}
        commandLabel={t('sensors.tokenCommand')}
        create={(name, ttl) => sensorsApi.createToken(name, ttl)}
        command={(token) => `kyoka sensor --server ${window.location.origin} --enroll-token ${token}`}
        testIds={{
          form: 'enroll-token-form',
          submit: 'enroll-token-submit',
          result: 'enroll-token-result',
          command: 'enroll-command',
          done: 'enroll-token-done',
        }}
      />
      {assigning.length > 0 && (
        <AssignTemplateModal
          sensorIds={assigning}
          templates={templates.data?.templates ?? []}
          onClose={() => setAssigning([])}
          onAssigned={(count) => {
            setAssigning([]);
            setSelected(new Set());
            setNotice(t('sensors.assigned', { count }));
            sensors.reload();
          }}
        />
      )}
    </Stack>
  );
}
