/**
 * WAF: the sites every WAF node reports (requests, attacks, sandboxed, banned) and the recent
 * hits, i.e. events with event.dataset "kyoka.waf" from the search API, newest first, with
 * source, URL, rule and action. Sites and hits are attacker-reachable text and are rendered
 * as text only (React escapes it; nothing here uses dangerouslySetInnerHTML).
 */
import { Badge, Card, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { agentsApi } from '../api/agents.ts';
import { searchApi } from '../api/endpoints.ts';
import type { KyokaEvent } from '../api/types.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { useFormat } from '../i18n/format.ts';
import { useAsync } from '../lib/use-async.ts';

const HITS_Q = 'event.dataset:"kyoka.waf"';

interface WafHit {
  url?: { original?: unknown; full?: unknown; path?: unknown };
  rule?: { name?: unknown; id?: unknown };
  observer?: { name?: unknown };
  kyoka?: { waf?: { site?: unknown; rule?: unknown; action?: unknown } };
}

const text = (v: unknown): string =>
  typeof v === 'string' ? v : v === undefined || v === null ? '' : Array.isArray(v) ? v.join(', ') : String(v);

/**
 * Fields as packages/waf/src/event.ts writes them: rule.id (a list of signature ids),
 * kyoka.waf.{site,action}, url.original; ECS alternatives as fallbacks.
 */
function hitFields(e: KyokaEvent & WafHit) {
  return {
    url: text(e.url?.original ?? e.url?.full ?? e.url?.path),
    rule: text(e.rule?.id ?? e.rule?.name ?? e.kyoka?.waf?.rule),
    action: text(e.kyoka?.waf?.action ?? e.event?.action),
    site: text(e.kyoka?.waf?.site ?? e.observer?.name),
  };
}

export function WafPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const agents = useAsync((s) => agentsApi.list(s), []);
  const hits = useAsync((s) => searchApi.search({ q: HITS_Q, from: 'now-24h', to: 'now', limit: 100 }, s), []);

  useEffect(() => {
    const id = setInterval(() => {
      agents.reload();
      hits.reload();
    }, 10_000);
    return () => clearInterval(id);
  }, [agents.reload, hits.reload]);

  const sites = (agents.data?.agents ?? [])
    .filter((a) => a.kind === 'waf')
    .flatMap((a) => a.sites.map((s) => ({ node: a.name, nodeId: a.id, status: a.status, ...s })));
  const rows = (hits.data?.events ?? []) as Array<KyokaEvent & WafHit>;

  return (
    <Stack gap="lg" maw={1600} mx="auto">
      <div>
        <Title order={2}>{t('waf.title')}</Title>
        <Text c="dimmed" size="sm">
          {t('waf.subtitle')}
        </Text>
      </div>
      <ErrorAlert error={agents.error || hits.error} />
      <Card p={0}>
        <Text fw={600} p="md" pb={0}>
          {t('waf.sites')}
        </Text>
        {agents.data && sites.length === 0 ? (
          <Text c="dimmed" ta="center" p="xl">
            {t('waf.noSites')}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={1100}>
            <Table data-testid="waf-sites" verticalSpacing="xs" highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('waf.site')}</Table.Th>
                  <Table.Th>{t('waf.node')}</Table.Th>
                  <Table.Th>{t('waf.listen')}</Table.Th>
                  <Table.Th>{t('waf.backend')}</Table.Th>
                  <Table.Th>{t('waf.sandbox')}</Table.Th>
                  <Table.Th>{t('waf.action')}</Table.Th>
                  <Table.Th ta="right">{t('waf.requests')}</Table.Th>
                  <Table.Th ta="right">{t('waf.attacks')}</Table.Th>
                  <Table.Th ta="right">{t('waf.sandboxed')}</Table.Th>
                  <Table.Th ta="right">{t('waf.banned')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {sites.map((s) => (
                  <Table.Tr key={`${s.nodeId}/${s.name}/${s.listen}`} data-site={s.name}>
                    <Table.Td fw={500}>{s.name}</Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={s.status === 'online' ? 'green' : 'red'} tt="none">
                        {s.node}
                      </Badge>
                    </Table.Td>
                    <Table.Td className="kyoka-mono">{s.listen}</Table.Td>
                    <Table.Td className="kyoka-mono">{s.backend}</Table.Td>
                    <Table.Td className="kyoka-mono">{s.sandbox}</Table.Td>
                    <Table.Td>{s.action}</Table.Td>
                    <Table.Td ta="right" ff="monospace" data-col="requests">
                      {fmt.number(s.requests)}
                    </Table.Td>
                    <Table.Td ta="right" ff="monospace" data-col="attacks">
                      {fmt.number(s.attacks)}
                    </Table.Td>
                    <Table.Td ta="right" ff="monospace" data-col="sandboxed">
                      {fmt.number(s.sandboxed)}
                    </Table.Td>
                    <Table.Td ta="right" ff="monospace" data-col="banned">
                      {fmt.number(s.banned)}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      <Card p={0}>
        <Text fw={600} p="md" pb={0}>
          {t('waf.hits')}
        </Text>
        {hits.data && rows.length === 0 ? (
          <Text c="dimmed" ta="center" p="xl">
            {t('waf.noHits')}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={1000}>
            <Table data-testid="waf-hits" verticalSpacing="xs" highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('waf.time')}</Table.Th>
                  <Table.Th>{t('waf.source')}</Table.Th>
                  <Table.Th>{t('waf.site')}</Table.Th>
                  <Table.Th>{t('waf.url')}</Table.Th>
                  <Table.Th>{t('waf.rule')}</Table.Th>
                  <Table.Th>{t('waf.action')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((e) => {
                  const h = hitFields(e);
                  return (
                    <Table.Tr key={e.id} data-hit-id={e.id}>
                      <Table.Td>{fmt.dateTime(e['@timestamp'])}</Table.Td>
                      <Table.Td className="kyoka-mono">{text(e.source?.ip)}</Table.Td>
                      <Table.Td>{h.site}</Table.Td>
                      <Table.Td className="kyoka-mono" style={{ wordBreak: 'break-all' }} data-col="url">
                        {h.url}
                      </Table.Td>
                      <Table.Td data-col="rule">{h.rule}</Table.Td>
                      <Table.Td data-col="action">{h.action}</Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
    </Stack>
  );
}
