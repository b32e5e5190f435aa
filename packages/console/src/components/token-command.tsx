/**
 * The "shown once" half of an enrollment dialog (sensors, agents, WAF nodes): the expiry
 * warning, the command to run on the node with its token, a copy button and Done.
 */
import { Alert, Button, Code, CopyButton, Group, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../i18n/format.ts';

export interface TokenCommandProps {
  command: string;
  expiresAt: string;
  /** Text above the command. */
  label: string;
  onDone(): void;
  /** data-testid of the block, the command and the Done button. */
  testIds: { result: string; command: string; done: string };
}

export function TokenCommand({ command, expiresAt, label, onDone, testIds }: TokenCommandProps) {
  const { t } = useTranslation();
  const fmt = useFormat();
  return (
    <Stack data-testid={testIds.result}>
      <Alert color="orange" variant="light">
        {t('sensors.tokenWarning', { expires: fmt.dateTime(expiresAt) })}
      </Alert>
      <Text size="sm">{label}</Text>
      <Group gap="xs" wrap="nowrap" align="stretch">
        <Code block style={{ flex: 1, wordBreak: 'break-all', whiteSpace: 'pre-wrap' }} data-testid={testIds.command}>
          {command}
        </Code>
        <CopyButton value={command}>
          {({ copied, copy }) => (
            <Button color={copied ? 'teal' : 'indigo'} variant="light" onClick={copy}>
              {copied ? t('common.copied') : t('common.copy')}
            </Button>
          )}
        </CopyButton>
      </Group>
      <Group justify="flex-end">
        <Button onClick={onDone} data-testid={testIds.done}>
          {t('keys.done')}
        </Button>
      </Group>
    </Stack>
  );
}
