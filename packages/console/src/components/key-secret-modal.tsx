/** Shows a freshly created key's secret exactly once, with a copy button and a warning. */
import { Alert, Button, Code, CopyButton, Group, Modal, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';

export function KeySecretModal({ secret, name, onClose }: { secret: string | null; name: string; onClose(): void }) {
  const { t } = useTranslation();
  return (
    <Modal
      opened={secret !== null}
      onClose={onClose}
      title={t('keys.secretTitle')}
      centered
      size="lg"
      closeOnClickOutside={false}
    >
      {secret !== null && (
        <Stack data-testid="key-secret-modal">
          <Alert color="orange" variant="light" data-testid="key-secret-warning">
            {t('keys.secretWarning')}
          </Alert>
          <Text size="sm" fw={500}>
            {name}
          </Text>
          <Text size="xs" c="dimmed">
            {t('keys.secretLabel')}
          </Text>
          <Group gap="xs" wrap="nowrap" align="stretch">
            <Code block style={{ flex: 1, wordBreak: 'break-all', whiteSpace: 'pre-wrap' }} data-testid="key-secret">
              {secret}
            </Code>
            <CopyButton value={secret}>
              {({ copied, copy }) => (
                <Button color={copied ? 'teal' : 'indigo'} variant="light" onClick={copy} data-testid="copy-secret">
                  {copied ? t('common.copied') : t('common.copy')}
                </Button>
              )}
            </CopyButton>
          </Group>
          <Group justify="flex-end">
            <Button onClick={onClose} data-testid="key-secret-done">
              {t('keys.done')}
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
