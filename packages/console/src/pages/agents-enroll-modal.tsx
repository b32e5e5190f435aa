/**
 * Enrollment token for a host agent or a WAF node, shown once with the one-line
 * `kyoka agent|waf --config FILE --server URL --token T` command to run on the host.
 */
import { SegmentedControl, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AgentKind, agentsApi } from '../api/agents.ts';
import { EnrollTokenModal } from '../components/enroll-token-modal.tsx';

export function AgentsEnrollModal({ opened, onClose }: { opened: boolean; onClose(): void }) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<AgentKind>('agent');
  return (
    <EnrollTokenModal
      opened={opened}
      onClose={() => {
        setKind('agent');
        onClose();
      }}
      title={t('agents.tokenTitle')}
      nameLabel={t('agents.tokenName')}
      namePlaceholder={t('agents.tokenNamePlaceholder')}
      commandLabel={t('agents.tokenCommand')}
      create={(name, ttl) => agentsApi.createToken(kind, name, ttl)}
      command={(token) =>
        `kyoka ${kind} --config /etc/kyoka/${kind}.yaml --server ${window.location.origin} --token ${token}`
      }
      extraFields={
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
      }
      testIds={{
        form: 'agent-token-form',
        submit: 'agent-token-submit',
        result: 'agent-token-result',
        command: 'agent-enroll-command',
        done: 'agent-token-done',
      }}
    />
  );
}
